"""Loop health (issue 9): how well the loop itself works, month by month.

Reactivity is measured in days from the first signal behind an insight (the earliest signal
among its evidence) to its validation, to the first action standing on it, and to the learning
that evaluates that action. Knowledge in decisions is the share of ritual decisions citing an
insight or a learning (every action stands on a validated insight by rule). Experimentation
counts experiments started and decided, those complete (hypothesis, metric, evaluation date)
and those shipped (the win rate is shipped over decided). An evaluation is on time when the
learning that evaluates an action is written no later than the action's evaluation date (counted
in the month of that date). Freshness is the share of validated insights past their review date.
The knowledge-flow map and reuse rates are in :mod:`launchloop.loop.health_flow`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import (
    Action,
    Evidence,
    Experiment,
    Insight,
    Learning,
    RitualDecision,
    Signal,
)
from launchloop.loop.feeds import aware
from launchloop.loop.health_flow import KnowledgeFlow, knowledge_flow


@dataclass(frozen=True)
class Spread:
    """Durations in days: how many, their median and 90th percentile (None when none)."""

    count: int
    median_days: float | None
    p90_days: float | None


def spread(days: list[float]) -> Spread:
    """The median and 90th percentile (linear interpolation, numpy's default) of ``days``."""
    if not days:
        return Spread(0, None, None)
    return Spread(len(days), float(np.median(days)), float(np.percentile(days, 90)))


@dataclass
class MonthHealth:
    """The loop's figures for one calendar month (UTC)."""

    month: str
    signal_to_insight: Spread = Spread(0, None, None)
    signal_to_action: Spread = Spread(0, None, None)
    signal_to_evaluation: Spread = Spread(0, None, None)
    decisions: int = 0
    decisions_citing_knowledge: int = 0
    experiments_started: int = 0
    experiments_complete: int = 0
    experiments_decided: int = 0
    experiments_shipped: int = 0
    evaluations: int = 0
    evaluations_on_time: int = 0

    @property
    def win_rate(self) -> float | None:
        """Share of the experiments decided this month that shipped (None without any)."""
        return (
            self.experiments_shipped / self.experiments_decided
            if self.experiments_decided
            else None
        )


@dataclass(frozen=True)
class LoopHealth:
    """Every month's figures, oldest first, and the freshness of the knowledge today."""

    months: tuple[MonthHealth, ...]
    validated_insights: int
    past_review: int
    today: date
    flow: KnowledgeFlow | None = None

    @property
    def stale_share(self) -> float | None:
        """Share of validated insights past their review date (None without any)."""
        return self.past_review / self.validated_insights if self.validated_insights else None

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        return {
            "months": [asdict(m) | {"win_rate": m.win_rate} for m in self.months],
            "validated_insights": self.validated_insights,
            "past_review": self.past_review,
            "stale_share": self.stale_share,
            "today": self.today.isoformat(),
            "flow": self.flow.as_dict() if self.flow else None,
        }


@dataclass
class _Durations:
    insight: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    action: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    evaluation: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def month_of(moment: datetime | date) -> str:
    """``YYYY-MM`` of a moment (UTC) or a day."""
    if isinstance(moment, datetime):
        moment = aware(moment).astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def loop_health(session: Session, project_id: int, *, today: date | None = None) -> LoopHealth:
    """The loop's health, month by month, from the knowledge base's history."""
    today = today or datetime.now(UTC).date()
    first = first_signals(session, project_id)
    months: dict[str, MonthHealth] = {}

    def month(moment: datetime | date) -> MonthHealth:
        key = month_of(moment)
        return months.setdefault(key, MonthHealth(key))

    durations = _reactivity(session, project_id, first)
    for key in {*durations.insight, *durations.action, *durations.evaluation}:
        row = months.setdefault(key, MonthHealth(key))
        row.signal_to_insight = spread(durations.insight.get(key, []))
        row.signal_to_action = spread(durations.action.get(key, []))
        row.signal_to_evaluation = spread(durations.evaluation.get(key, []))
    _count_decisions(session, project_id, month)
    _count_experiments(session, project_id, month)
    _count_evaluations(session, project_id, month)
    validated, past = _freshness(session, project_id, today)
    ordered = tuple(months[key] for key in sorted(months))
    return LoopHealth(ordered, validated, past, today, knowledge_flow(session, project_id))


def first_signals(session: Session, project_id: int) -> dict[int, datetime]:
    """The earliest signal among each insight's evidence, by insight id."""
    query = (
        select(Evidence.insight_id, Signal.observed_at)
        .join(Signal, Signal.id == Evidence.signal_id)
        .where(Signal.project_id == project_id)
    )
    first: dict[int, datetime] = {}
    for insight_id, observed in session.execute(query):
        observed = aware(observed)
        if insight_id not in first or observed < first[insight_id]:
            first[insight_id] = observed
    return first


def _days(start: datetime, end: datetime) -> float:
    return (aware(end) - start).total_seconds() / 86_400


def _reactivity(session: Session, project_id: int, first: dict[int, datetime]) -> _Durations:
    found = _Durations()
    insights = session.scalars(select(Insight).where(Insight.project_id == project_id))
    for insight in insights:
        if insight.validated_at is not None and insight.id in first:
            at = insight.validated_at
            found.insight[month_of(at)].append(_days(first[insight.id], at))
    action_start: dict[int, datetime] = {}
    for action in session.scalars(select(Action).where(Action.project_id == project_id)):
        starts = [first[i] for i in action.insight_ids if i in first]
        if starts:
            action_start[action.id] = min(starts)
            at = action.created_at
            found.action[month_of(at)].append(_days(action_start[action.id], at))
    for learning in session.scalars(select(Learning).where(Learning.project_id == project_id)):
        if learning.action_id in action_start:
            at = learning.created_at
            found.evaluation[month_of(at)].append(_days(action_start[learning.action_id], at))
    return found


def _count_decisions(session: Session, project_id: int, month: Any) -> None:
    query = select(RitualDecision).where(RitualDecision.project_id == project_id)
    for decision in session.scalars(query):
        row = month(decision.held_on)
        row.decisions += 1
        cites = decision.cites or []
        row.decisions_citing_knowledge += any(
            c.startswith(("insight:", "learning:")) for c in cites
        )


def _count_experiments(session: Session, project_id: int, month: Any) -> None:
    query = select(Experiment, Action).join(Action, Action.id == Experiment.action_id)
    for experiment, action in session.execute(query.where(Experiment.project_id == project_id)):
        if experiment.started_at is not None:
            row = month(experiment.started_at)
            row.experiments_started += 1
            row.experiments_complete += bool(
                action.hypothesis.strip()
                and experiment.primary_kpi_id is not None
                and action.evaluation_date is not None
            )
        if experiment.decided_at is not None:
            row = month(experiment.decided_at)
            row.experiments_decided += 1
            row.experiments_shipped += experiment.decision == "ship"


def _count_evaluations(session: Session, project_id: int, month: Any) -> None:
    query = select(Learning, Action).join(Action, Action.id == Learning.action_id)
    for learning, action in session.execute(query.where(Learning.project_id == project_id)):
        if action.evaluation_date is None:
            continue
        row = month(action.evaluation_date)
        row.evaluations += 1
        written = aware(learning.created_at).astimezone(UTC).date()
        row.evaluations_on_time += written <= action.evaluation_date


def _freshness(session: Session, project_id: int, today: date) -> tuple[int, int]:
    query = select(Insight.review_by).where(
        Insight.project_id == project_id, Insight.status == "validated"
    )
    reviews = list(session.scalars(query))
    return len(reviews), sum(1 for day in reviews if day is not None and day < today)
