"""Feedback triage: states (new, read, linked, done, spam), merging duplicates, the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.closing.links import canonical_id, duplicates_of
from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import choice, one
from launchloop.knowledge.models import FeedbackItem, FeedbackTriage, InboxVisit, utcnow
from launchloop.knowledge.roles import Caller, require_writer

TRIAGE_STATES: tuple[str, ...] = ("new", "read", "linked", "done", "spam")
INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxRow:
    """A feedback item in the inbox: its triage state, its duplicates and whether it is new."""

    item: FeedbackItem
    state: str
    merged_into_id: int | None
    duplicate_ids: tuple[int, ...]
    unseen: bool


def read_triage(session: Session, project_id: int, feedback_id: int) -> FeedbackTriage:
    """The item's triage, without writing one: an untriaged item reads as ``new``."""
    item = one(session, FeedbackItem, project_id, feedback_id)
    found = session.get(FeedbackTriage, item.id)
    if found is not None:
        return found
    return FeedbackTriage(feedback_id=item.id, project_id=project_id, state="new",
                          merged_into_id=None, updated_at=item.created_at)  # fmt: skip


def triage_of(session: Session, project_id: int, feedback_id: int) -> FeedbackTriage:
    """The item's triage record (state ``new`` until someone sets one)."""
    item = one(session, FeedbackItem, project_id, feedback_id)
    found = session.get(FeedbackTriage, item.id)
    if found is None:
        found = FeedbackTriage(feedback_id=item.id, project_id=project_id, state="new")
        session.add(found)
        session.flush()
    return found


def set_state(session: Session, caller: Caller, feedback_id: int, state: str) -> FeedbackTriage:
    """Move a feedback item to a triage state."""
    require_writer(caller, "triaging feedback")
    choice(state, TRIAGE_STATES, "state")
    found = triage_of(session, caller.project_id, feedback_id)
    found.state, found.updated_at = state, utcnow()
    session.flush()
    return found


def merge_duplicate(
    session: Session, caller: Caller, duplicate_id: int, into_id: int
) -> FeedbackTriage:
    """Merge ``duplicate_id`` into ``into_id``: both stay, with their authors; links are shared."""
    require_writer(caller, "merging feedback")
    target = canonical_id(session, one(session, FeedbackItem, caller.project_id, into_id).id)
    if canonical_id(session, duplicate_id) == target or duplicate_id == target:
        raise InvalidInput("into_id", "an item cannot be merged into itself")
    duplicate = triage_of(session, caller.project_id, duplicate_id)
    # Items already merged into the duplicate follow it: one level of merging, always.
    for child in duplicates_of(session, caller.project_id, duplicate_id):
        triage_of(session, caller.project_id, child).merged_into_id = target
    duplicate.merged_into_id, duplicate.updated_at = target, utcnow()
    session.flush()
    return duplicate


def inbox(session: Session, project_id: int, user_id: int | None) -> list[InboxRow]:
    """The latest feedback with its triage; ``unseen`` marks what came since the last visit."""
    last = _last_visit(session, project_id, user_id)
    items = session.scalars(
        select(FeedbackItem)
        .where(FeedbackItem.project_id == project_id)
        .order_by(FeedbackItem.created_at.desc(), FeedbackItem.id.desc())
        .limit(INBOX_LIMIT)
    ).all()
    triage = {
        t.feedback_id: t
        for t in session.scalars(
            select(FeedbackTriage).where(FeedbackTriage.project_id == project_id)
        )
    }
    children: dict[int, list[int]] = {}
    for t in triage.values():
        if t.merged_into_id is not None:
            children.setdefault(t.merged_into_id, []).append(t.feedback_id)
    return [_row(item, triage.get(item.id), children.get(item.id, []), last) for item in items]


def _row(
    item: FeedbackItem, triage: FeedbackTriage | None, children: list[int], last: datetime | None
) -> InboxRow:
    created = item.created_at if item.created_at.tzinfo else item.created_at.replace(tzinfo=UTC)
    return InboxRow(item, triage.state if triage else "new",
                    triage.merged_into_id if triage else None, tuple(sorted(children)),
                    last is None or created > last)  # fmt: skip


def record_visit(session: Session, project_id: int, user_id: int) -> None:
    """Remember that the person saw the inbox now."""
    visit = session.get(InboxVisit, (project_id, user_id))
    if visit is None:
        session.add(InboxVisit(project_id=project_id, user_id=user_id, seen_at=utcnow()))
    else:
        visit.seen_at = utcnow()
    session.flush()


def _last_visit(session: Session, project_id: int, user_id: int | None) -> datetime | None:
    visit = session.get(InboxVisit, (project_id, user_id)) if user_id is not None else None
    if visit is None:
        return None
    seen = visit.seen_at
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)
