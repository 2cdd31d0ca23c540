"""Changes worth telling users about: actions shipped (done) or whose experiment shipped.

An action is one change however it ships: moved to done, or an experiment on it decided
"ship" (often both, one after the other), so its authors hear of it once (issue 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import Action, Experiment


@dataclass(frozen=True)
class ShippedChange:
    """One shipped action: its key (``action:3``), title, first shipping date and record."""

    key: str
    title: str
    shipped_at: datetime
    action: Action


def shipped_changes(session: Session, project_id: int) -> list[ShippedChange]:
    """Every shipped action of the project, oldest first."""
    shipped: dict[int, tuple[datetime, Action]] = {}
    done = session.scalars(
        select(Action).where(Action.project_id == project_id, Action.status == "done")
    )
    for action in done:
        shipped[action.id] = (_utc(action.updated_at), action)
    decided = session.scalars(
        select(Experiment).where(Experiment.project_id == project_id, Experiment.decision == "ship")
    )
    for experiment in decided:
        tested = session.get(Action, experiment.action_id)
        if tested is None:
            continue
        when = _utc(experiment.decided_at or experiment.updated_at)
        if tested.id not in shipped or when < shipped[tested.id][0]:
            shipped[tested.id] = (when, tested)
    changes = [ShippedChange(f"action:{a.id}", a.title, when, a) for when, a in shipped.values()]
    return sorted(changes, key=lambda c: (c.shipped_at, c.action.id))


def _utc(moment: datetime) -> datetime:
    # SQLite gives back stored UTC times without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
