"""The fortnightly experiment definition's agenda (issue 9): validated insights still without
an action, the top of the backlog by priority with the persons and days each candidate needs at
the measured traffic, and the running experiments with their state."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.experiments.planning import measure_for_action, plan_power
from launchloop.knowledge.models import Action, Experiment, Insight, action_insights
from launchloop.loop.feeds import aware
from launchloop.store.base import EventStore

#: How many backlog items the ritual reviews.
TOP = 10
#: Actions that can still be defined as an experiment.
CANDIDATE_STATUSES = ("proposed", "planned")


@dataclass(frozen=True)
class Candidate:
    """A backlog item and what testing it would take (or why that is not known)."""

    action_id: int
    title: str
    kind: str
    priority: float | None
    persons_per_variant: int | None
    days: int | None
    sizing_problem: str | None


@dataclass(frozen=True)
class RunningExperiment:
    """An experiment under way: its name, since when, its latest analysis."""

    experiment_id: int
    name: str
    started: date | None
    days_running: int | None
    analyses: int


@dataclass(frozen=True)
class FortnightlyAgenda:
    """The experiment definition ritual's agenda."""

    today: date
    insights_without_action: tuple[tuple[int, str], ...]
    candidates: tuple[Candidate, ...]
    running: tuple[RunningExperiment, ...]

    def as_dict(self) -> dict[str, Any]:
        """The agenda as JSON-ready values."""
        raw = asdict(self)
        raw["today"] = self.today.isoformat()
        for row in raw["running"]:
            row["started"] = row["started"] and row["started"].isoformat()
        return raw


def fortnightly_agenda(
    store: EventStore, session: Session, project_id: int, *, now: datetime | None = None
) -> FortnightlyAgenda:
    """The agenda from the knowledge base and the traffic measured in the event store."""
    now = aware(now) if now else datetime.now(UTC)
    return FortnightlyAgenda(
        now.date(),
        insights_without_action(session, project_id),
        tuple(
            _candidate(store, session, project_id, a, now) for a in top_actions(session, project_id)
        ),
        running_experiments(session, project_id, now),
    )


def insights_without_action(session: Session, project_id: int) -> tuple[tuple[int, str], ...]:
    """Validated insights that no action stands on yet, oldest first."""
    used = select(action_insights.c.insight_id)
    query = select(Insight.id, Insight.statement).where(
        Insight.project_id == project_id, Insight.status == "validated", Insight.id.not_in(used)
    )
    return tuple((row.id, row.statement) for row in session.execute(query.order_by(Insight.id)))


def top_actions(session: Session, project_id: int, top: int = TOP) -> list[Action]:
    """The proposed and planned actions, highest priority first (unscored last)."""
    query = select(Action).where(
        Action.project_id == project_id, Action.status.in_(CANDIDATE_STATUSES)
    )
    rows = list(session.scalars(query))
    rows.sort(key=lambda a: (a.priority_score is None, -(a.priority_score or 0.0), a.id))
    return rows[:top]


def _candidate(
    store: EventStore, session: Session, project_id: int, action: Action, now: datetime
) -> Candidate:
    try:
        plan = plan_power(measure_for_action(session, store, project_id, action.id, now=now))
        persons, days, problem = plan.result.per_variant, plan.result.days, None
    except (InvalidInput, NotFound) as missing:
        persons, days, problem = None, None, str(missing)
    return Candidate(
        action.id, action.title, action.kind, action.priority_score, persons, days, problem
    )


def running_experiments(
    session: Session, project_id: int, now: datetime
) -> tuple[RunningExperiment, ...]:
    """The running experiments, oldest first, with how long they have run."""
    query = select(Experiment).where(
        Experiment.project_id == project_id, Experiment.status == "running"
    )
    rows = []
    for experiment in session.scalars(query.order_by(Experiment.id)):
        started = aware(experiment.started_at) if experiment.started_at else None
        days = (now - started).days if started else None
        rows.append(
            RunningExperiment(
                experiment.id,
                experiment.name,
                started.date() if started else None,
                days,
                len(experiment.analyses),
            )
        )
    return tuple(rows)
