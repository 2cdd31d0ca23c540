"""What closing the loop keeps of a person, forgotten when they are erased (issue 12).

Messages to their addresses (and the notices that they were told) are deleted. An opt-out is
kept as a salted hash of the address, so that an erased person who asked for silence is never
written to again, yet their address is stored nowhere.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from launchloop.knowledge.audit import id_digest
from launchloop.knowledge.models import AuthorMessage, AuthorOptOut, ChangeNotice

#: Prefix of an opt-out stored as a hash of its address.
HASHED = "sha256:"


def hashed_address(project_id: int, address: str) -> str:
    """How an erased author's opt-out is stored: a hash salted by the project."""
    return HASHED + id_digest(project_id, address.strip().lower())


def forget_addresses(session: Session, project_id: int, addresses: set[str]) -> dict[str, int]:
    """Delete the project's messages to ``addresses``; hash their opt-outs. Counts by table."""
    keys = sorted({a.strip().lower() for a in addresses if a.strip()})
    if not keys:
        return {"author_messages": 0, "author_opt_outs": 0}
    in_project = (ChangeNotice.project_id == project_id, ChangeNotice.address.in_(keys))
    session.execute(delete(ChangeNotice).where(*in_project))
    messages = list(
        session.scalars(
            select(AuthorMessage).where(
                AuthorMessage.project_id == project_id, AuthorMessage.address.in_(keys)
            )
        )
    )
    for message in messages:
        session.delete(message)
    opt_outs = list(
        session.scalars(
            select(AuthorOptOut).where(
                AuthorOptOut.project_id == project_id, AuthorOptOut.address.in_(keys)
            )
        )
    )
    for row in opt_outs:
        session.delete(row)
    session.flush()
    for row in opt_outs:
        session.add(
            AuthorOptOut(project_id=project_id, address=hashed_address(project_id, row.address))
        )
    session.flush()
    return {"author_messages": len(messages), "author_opt_outs": len(opt_outs)}
