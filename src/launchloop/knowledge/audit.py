"""The audit log: who validated, decided, exported, backed up or erased what.

Writes of the knowledge base already leave a :class:`Change` each (``history.py``); acts that
touch no item (an export, a backup, a person's erasure) are recorded here in the same table,
with ``item_id`` 0 and details that never hold the data they concern.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.history import jsonable
from launchloop.knowledge.models import Change
from launchloop.knowledge.roles import Caller

#: Acts recorded without an item, as ``item_kind`` of their audit rows.
AUDIT_ACTS: tuple[str, ...] = ("person", "export", "backup")


def record_act(
    session: Session, caller: Caller, act: str, verb: str, details: dict[str, Any]
) -> Change:
    """Write one audit row for an act on no item (``act`` of :data:`AUDIT_ACTS`)."""
    if act not in AUDIT_ACTS:
        raise ValueError(f"unknown audit act {act!r}")
    change = Change(
        project_id=caller.project_id,
        author=caller.author,
        item_kind=act,
        item_id=0,
        verb=verb,
        changes={key: jsonable(value) for key, value in details.items()},
    )
    session.add(change)
    session.flush()
    return change


def id_digest(project_id: int, distinct_id: str) -> str:
    """A SHA-256 of a distinct id (salted by its project): logged instead of the id itself."""
    return hashlib.sha256(f"{project_id}:{distinct_id}".encode()).hexdigest()


def audit_log(
    session: Session, project_id: int, *, act: str | None = None, limit: int = 200
) -> list[Change]:
    """The project's audit rows (every change and act), newest first."""
    query = select(Change).where(Change.project_id == project_id)
    if act is not None:
        query = query.where(Change.item_kind == act)
    return list(session.scalars(query.order_by(Change.id.desc()).limit(limit)))


def audit_row(change: Change) -> dict[str, Any]:
    """One audit row as JSON-ready values."""
    return {
        "id": change.id,
        "at": jsonable(change.created_at),
        "author": change.author,
        "item_kind": change.item_kind,
        "item_id": change.item_id,
        "verb": change.verb,
        "changes": change.changes,
    }
