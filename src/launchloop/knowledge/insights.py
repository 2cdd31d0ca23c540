"""Insights: write them, link their teams and tags, and move them through their statuses.

draft -> validated -> stale -> retired; a stale insight is validated again (re-validation);
a draft or stale one may be retired. Validating needs evidence and the project's validator role.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.lookup import choice, one, referenced, required_text
from launchloop.knowledge.models import Insight, InsightTag, Launch, Signal, Team, utcnow
from launchloop.knowledge.roles import Caller, require_decision, require_writer

STATUSES: tuple[str, ...] = ("draft", "validated", "stale", "retired")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("validated", "retired"),
    "validated": ("stale", "retired"),
    "stale": ("validated", "retired"),
    "retired": (),
}
MAX_STATEMENT = 10_000
MAX_CONTEXT = 50_000
#: Days until the review date of an insight validated without one.
REVIEW_DAYS = 90


def create_insight(
    session: Session,
    caller: Caller,
    *,
    statement: str,
    context: str = "",
    launch_id: int | None = None,
    team_ids: Sequence[int] = (),
    tags: Sequence[str] = (),
    review_by: date | None = None,
) -> Insight:
    """Write a draft insight; evidence is added with ``knowledge.evidence.add_evidence``."""
    require_writer(caller, "writing an insight")
    referenced(session, Launch, caller.project_id, launch_id, "launch_id")
    insight = Insight(
        project_id=caller.project_id,
        author=caller.author,
        statement=_bounded(statement, "statement", MAX_STATEMENT),
        context=_within(context, "context", MAX_CONTEXT),
        launch_id=launch_id,
        review_by=review_by,
        status="draft",
    )
    insight.teams = _teams(session, caller.project_id, team_ids)
    insight.tag_rows = [InsightTag(tag=tag) for tag in _tags(tags)]
    session.add(insight)
    record_change(session, caller, insight, "created", {"status": [None, "draft"]})
    return insight


def draft_insight_from_signal(session: Session, caller: Caller, signal_id: int) -> Insight:
    """A draft insight stating the signal's text, with the signal as its first evidence."""
    # evidence.py imports this module (get_insight): import it when called.
    from launchloop.knowledge.evidence import add_evidence

    signal = one(session, Signal, caller.project_id, signal_id)
    insight = create_insight(
        session,
        caller,
        statement=signal.text,
        launch_id=signal.launch_id,
        team_ids=[signal.team_id] if signal.team_id is not None else [],
    )
    session.flush()
    add_evidence(session, caller, insight.id, kind="signal", signal_id=signal.id)
    return insight


def update_insight(
    session: Session,
    caller: Caller,
    insight_id: int,
    *,
    statement: str | None = None,
    context: str | None = None,
    review_by: date | None = None,
    team_ids: Sequence[int] | None = None,
    tags: Sequence[str] | None = None,
) -> Insight:
    """Edit an insight that is not retired; the changes go to its history."""
    require_writer(caller, "editing an insight")
    insight = get_insight(session, caller.project_id, insight_id)
    if insight.status == "retired":
        raise InvalidInput("status", "a retired insight cannot be edited")
    updates: dict[str, object] = {}
    if statement is not None:
        updates["statement"] = _bounded(statement, "statement", MAX_STATEMENT)
    if context is not None:
        updates["context"] = _within(context, "context", MAX_CONTEXT)
    if review_by is not None:
        updates["review_by"] = review_by
    changes = apply_changes(insight, updates)
    if team_ids is not None:
        before = insight.team_ids
        insight.teams = _teams(session, caller.project_id, team_ids)
        changes["team_ids"] = [before, insight.team_ids]
    if tags is not None:
        before_tags = insight.tags
        insight.tag_rows = [InsightTag(tag=tag) for tag in _tags(tags)]
        changes["tags"] = [before_tags, sorted(_tags(tags))]
    record_change(session, caller, insight, "updated", changes)
    return insight


def validate_insight(
    session: Session, caller: Caller, insight_id: int, *, review_by: date | None = None
) -> Insight:
    """Validate a draft or stale insight: needs evidence and the validator role.

    Without ``review_by``, a re-validated (stale) insight or one without a future review date
    gets one :data:`REVIEW_DAYS` from today.
    """
    require_decision(session, caller, "validate_insight")
    insight = get_insight(session, caller.project_id, insight_id)
    check_transition(insight.status, "validated")
    if not insight.evidence:
        raise InvalidInput("evidence", "an insight needs at least one piece of evidence")
    today = utcnow().date()
    if review_by is not None and review_by <= today:
        raise InvalidInput("review_by", "the review date must be in the future")
    overdue = insight.review_by is None or insight.review_by <= today
    if review_by is None and (overdue or insight.status == "stale"):
        review_by = today + timedelta(days=REVIEW_DAYS)
    updates: dict[str, object] = {"status": "validated", "validated_by": caller.author}
    if review_by is not None:
        updates["review_by"] = review_by
    changes = apply_changes(insight, updates)
    insight.validated_at = utcnow()
    record_change(session, caller, insight, "validated", changes)
    return insight


def change_insight_status(
    session: Session, caller: Caller, insight_id: int, status: str
) -> Insight:
    """Move an insight to ``status`` (validated goes through :func:`validate_insight`)."""
    choice(status, STATUSES, "status")
    if status == "validated":
        return validate_insight(session, caller, insight_id)
    if status == "retired":
        require_decision(session, caller, "validate_insight")
    require_writer(caller, "changing an insight's status")
    insight = get_insight(session, caller.project_id, insight_id)
    check_transition(insight.status, status)
    changes = apply_changes(insight, {"status": status})
    record_change(session, caller, insight, status, changes)
    return insight


def check_transition(current: str, wanted: str) -> None:
    """InvalidInput naming the allowed moves when ``current -> wanted`` is not one."""
    allowed = TRANSITIONS[current]
    if wanted not in allowed:
        moves = ", ".join(allowed) or "nothing (final)"
        raise InvalidInput(
            "status",
            f"an insight cannot go from {current} to {wanted}; {current} can go to {moves}",
        )


def get_insight(session: Session, project_id: int, insight_id: int) -> Insight:
    """One insight of the project (404 otherwise)."""
    return one(session, Insight, project_id, insight_id)


def list_insights(
    session: Session,
    project_id: int,
    *,
    status: str | None = None,
    team_id: int | None = None,
    tag: str | None = None,
    launch_id: int | None = None,
    limit: int = 100,
) -> list[Insight]:
    """The project's insights, newest first, filtered by status, team, tag or launch."""
    query = select(Insight).where(Insight.project_id == project_id)
    if status is not None:
        query = query.where(Insight.status == choice(status, STATUSES, "status"))
    if team_id is not None:
        query = query.where(Insight.teams.any(Team.id == team_id))
    if tag is not None:
        query = query.where(Insight.tag_rows.any(InsightTag.tag == tag.strip().lower()))
    if launch_id is not None:
        query = query.where(Insight.launch_id == launch_id)
    return list(session.scalars(query.order_by(Insight.id.desc()).limit(limit)))


def _bounded(text: str, field: str, limit: int) -> str:
    return _within(required_text(text, field), field, limit)


def _within(text: str, field: str, limit: int) -> str:
    if len(text) > limit:
        raise InvalidInput(field, f"is {len(text)} characters, over the limit of {limit}")
    return text.strip()


def _teams(session: Session, project_id: int, team_ids: Sequence[int]) -> list[Team]:
    return [one_team(session, project_id, team_id) for team_id in dict.fromkeys(team_ids)]


def one_team(session: Session, project_id: int, team_id: int) -> Team:
    """A team of the project, or InvalidInput on ``team_ids``."""
    referenced(session, Team, project_id, team_id, "team_ids")
    return one(session, Team, project_id, team_id)


def _tags(tags: Sequence[str]) -> list[str]:
    cleaned = {tag.strip().lower() for tag in tags if tag.strip()}
    if any(len(tag) > 100 for tag in cleaned):
        raise InvalidInput("tags", "a tag is at most 100 characters")
    return sorted(cleaned)
