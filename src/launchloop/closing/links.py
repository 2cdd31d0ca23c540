"""What a feedback item supports: the insights citing it, their actions and experiments.

Merged duplicates count as the item they were merged into: their authors asked for the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.lookup import one
from launchloop.knowledge.models import (
    Action,
    Evidence,
    Experiment,
    FeedbackItem,
    FeedbackTriage,
    Insight,
    action_insights,
)


@dataclass(frozen=True)
class Linked:
    """One insight, action or experiment a feedback item supports."""

    id: int
    title: str
    status: str


@dataclass(frozen=True)
class FeedbackLinks:
    """The knowledge a feedback item supports, through evidence links."""

    feedback_id: int
    insights: tuple[Linked, ...]
    actions: tuple[Linked, ...]
    experiments: tuple[Linked, ...]


def duplicates_of(session: Session, project_id: int, feedback_id: int) -> list[int]:
    """Ids of the items merged into ``feedback_id`` (not itself)."""
    rows = session.scalars(
        select(FeedbackTriage.feedback_id).where(
            FeedbackTriage.project_id == project_id, FeedbackTriage.merged_into_id == feedback_id
        )
    )
    return sorted(rows)


def canonical_id(session: Session, feedback_id: int) -> int:
    """The item ``feedback_id`` was merged into, or itself."""
    triage = session.get(FeedbackTriage, feedback_id)
    return triage.merged_into_id if triage and triage.merged_into_id else feedback_id


def feedback_links(session: Session, project_id: int, feedback_id: int) -> FeedbackLinks:
    """The insights, actions and experiments ``feedback_id`` (or its merge group) supports."""
    one(session, FeedbackItem, project_id, feedback_id)
    root = canonical_id(session, feedback_id)
    group = [root, *duplicates_of(session, project_id, root)]
    insights = list(
        session.scalars(
            select(Insight)
            .where(
                Insight.project_id == project_id,
                Insight.id.in_(
                    select(Evidence.insight_id).where(
                        Evidence.kind == "feedback",
                        Evidence.supports.is_(True),
                        Evidence.feedback_id.in_([str(i) for i in group]),
                    )
                ),
            )
            .order_by(Insight.id)
        )
    )
    actions = _actions_of(session, project_id, [i.id for i in insights])
    experiments = session.scalars(
        select(Experiment)
        .where(Experiment.action_id.in_([a.id for a in actions]))
        .order_by(Experiment.id)
    )
    return FeedbackLinks(
        feedback_id,
        tuple(Linked(i.id, i.statement, i.status) for i in insights),
        tuple(Linked(a.id, a.title, a.status) for a in actions),
        tuple(Linked(e.id, e.name, e.decision or e.status) for e in experiments),
    )


def _actions_of(session: Session, project_id: int, insight_ids: list[int]) -> list[Action]:
    if not insight_ids:
        return []
    return list(
        session.scalars(
            select(Action)
            .where(
                Action.project_id == project_id,
                Action.id.in_(
                    select(action_insights.c.action_id).where(
                        action_insights.c.insight_id.in_(insight_ids)
                    )
                ),
            )
            .order_by(Action.id)
        )
    )


def supporters(session: Session, project_id: int, action: Action) -> list[FeedbackItem]:
    """The feedback behind ``action``'s insights, merged duplicates included, spam left out."""
    ids = session.scalars(
        select(Evidence.feedback_id).where(
            Evidence.insight_id.in_(action.insight_ids),
            Evidence.kind == "feedback",
            Evidence.supports.is_(True),
            Evidence.feedback_id.is_not(None),
        )
    )
    roots = {canonical_id(session, int(i)) for i in ids if i and i.isdigit()}
    group = set(roots)
    for root in roots:
        group.update(duplicates_of(session, project_id, root))
    items = session.scalars(
        select(FeedbackItem)
        .where(FeedbackItem.project_id == project_id, FeedbackItem.id.in_(group))
        .order_by(FeedbackItem.id)
    )
    spam = set(
        session.scalars(
            select(FeedbackTriage.feedback_id).where(
                FeedbackTriage.feedback_id.in_(group), FeedbackTriage.state == "spam"
            )
        )
    )
    return [item for item in items if item.id not in spam]
