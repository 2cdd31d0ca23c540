"""Comments: any team enriches any item of the knowledge base from its own perspective."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import choice, one, referenced, required_text
from launchloop.knowledge.models import (
    Action,
    Comment,
    Experiment,
    Insight,
    Launch,
    Learning,
    Signal,
    Team,
)
from launchloop.knowledge.roles import Caller, require_writer

#: What can be commented, by item kind.
COMMENTABLE: dict[str, type[Any]] = {
    "insight": Insight,
    "action": Action,
    "experiment": Experiment,
    "learning": Learning,
    "signal": Signal,
    "launch": Launch,
}
MAX_BODY = 20_000


def add_comment(
    session: Session,
    caller: Caller,
    *,
    item_kind: str,
    item_id: int,
    body: str,
    team_id: int | None = None,
) -> Comment:
    """Comment on an item of the caller's project (404 when the item is not there)."""
    require_writer(caller, "commenting")
    choice(item_kind, tuple(COMMENTABLE), "item_kind")
    one(session, COMMENTABLE[item_kind], caller.project_id, item_id)
    referenced(session, Team, caller.project_id, team_id, "team_id")
    body = required_text(body, "body")
    if len(body) > MAX_BODY:
        raise InvalidInput("body", f"is {len(body)} characters, over the limit of {MAX_BODY}")
    comment = Comment(
        project_id=caller.project_id,
        author=caller.author,
        item_kind=item_kind,
        item_id=item_id,
        team_id=team_id,
        body=body,
    )
    session.add(comment)
    session.flush()
    return comment


def comments_on(session: Session, project_id: int, item_kind: str, item_id: int) -> list[Comment]:
    """The comments on one item, oldest first (404 when the item is not in the project)."""
    choice(item_kind, tuple(COMMENTABLE), "item_kind")
    one(session, COMMENTABLE[item_kind], project_id, item_id)
    return list(
        session.scalars(
            select(Comment)
            .where(
                Comment.project_id == project_id,
                Comment.item_kind == item_kind,
                Comment.item_id == item_id,
            )
            .order_by(Comment.id)
        )
    )
