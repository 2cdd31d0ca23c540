"""The monthly generalization review's agenda (issue 9): the experiments concluded and the
actions evaluated in the 30 days ending on ``until``, each with its measured against its expected
impact and a proposal; the learnings to capitalize; the insights to re-validate.

The proposal rule (documented in docs/cli.md, ``launchloop ritual monthly``):

- ``stop`` when the measured change is zero or went against the expected one
  (``measured * expected <= 0``);
- ``generalize`` when the measured change reached at least :data:`GENERALIZE_SHARE` of the
  expected one and the learning says to generalize;
- ``iterate`` otherwise: a partial effect, a full effect the learning does not generalize, or an
  impact not measured or not expected (nothing to compare).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import (
    Action,
    Evidence,
    Experiment,
    Insight,
    Learning,
    RitualDecision,
)
from launchloop.loop.feeds import aware
from launchloop.loop.rituals import launch_named

#: The review looks back this many days, ``until`` included.
WINDOW_DAYS = 30
#: The share of the expected change a measured change must reach to be generalized.
GENERALIZE_SHARE = 0.8
EVALUATED = ("evaluating", "done")


@dataclass(frozen=True)
class Outcome:
    """A concluded experiment or an evaluated action, its impact and the proposal."""

    kind: str
    item_id: int
    title: str
    decision: str | None
    expected_change: float | None
    measured_change: float | None
    learning_id: int | None
    generalize: bool
    proposal: str

    @property
    def reached(self) -> float | None:
        """Measured over expected change (None when either is unknown or nothing was expected)."""
        if self.measured_change is None or not self.expected_change:
            return None
        return self.measured_change / self.expected_change


@dataclass(frozen=True)
class MonthlyReview:
    """The generalization review of a project (and a launch), from ``start`` to ``end``."""

    launch: str | None
    start: date
    end: date
    outcomes: tuple[Outcome, ...]
    to_capitalize: tuple[tuple[int, str], ...]
    to_revalidate: tuple[tuple[int, str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        """The review as JSON-ready values."""
        raw = asdict(self)
        raw |= {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for row, outcome in zip(raw["outcomes"], self.outcomes, strict=True):
            row["reached"] = outcome.reached
        raw["to_capitalize"] = [{"id": i, "title": t} for i, t in self.to_capitalize]
        raw["to_revalidate"] = [
            {"id": i, "statement": s, "why": w} for i, s, w in self.to_revalidate
        ]
        return raw


def proposal(expected: float | None, measured: float | None, generalize: bool) -> str:
    """``generalize``, ``iterate`` or ``stop`` from the impact and the learning's flag."""
    if expected is None or expected == 0 or measured is None:
        return "iterate"
    if measured * expected <= 0:
        return "stop"
    # Rounded: 0.08 / 0.10 is 0.7999... in binary, and reaches the 80% bar.
    if round(measured / expected, 9) >= GENERALIZE_SHARE and generalize:
        return "generalize"
    return "iterate"


def monthly_review(
    session: Session, project_id: int, *, until: date, launch: str | None = None
) -> MonthlyReview:
    """The review of the 30 days ending on ``until`` (only one launch's items when named)."""
    launch_row = launch_named(session, project_id, launch)
    launch_id = launch_row.id if launch_row else None
    start = until - timedelta(days=WINDOW_DAYS - 1)
    learnings = list(
        session.scalars(
            select(Learning).where(Learning.project_id == project_id).order_by(Learning.id)
        )
    )
    outcomes = _experiments(session, project_id, start, until, learnings, launch_id)
    tested = {o.item_id for o in outcomes}
    outcomes += _actions(session, project_id, start, until, learnings, launch_id, tested)
    return MonthlyReview(
        launch,
        start,
        until,
        tuple(outcomes),
        _to_capitalize(session, project_id, learnings, launch_id),
        _to_revalidate(session, project_id, until, launch_id),
    )


def _experiments(
    session: Session,
    project_id: int,
    start: date,
    end: date,
    learnings: list[Learning],
    launch_id: int | None,
) -> list[Outcome]:
    query = select(Experiment).where(
        Experiment.project_id == project_id, Experiment.status == "decided"
    )
    rows = []
    for experiment in session.scalars(query.order_by(Experiment.id)):
        decided = aware(experiment.decided_at).date() if experiment.decided_at else None
        action = session.get(Action, experiment.action_id)
        if decided is None or not start <= decided <= end or not _of_launch(action, launch_id):
            continue
        learning = _latest(learnings, experiment_id=experiment.id)
        expected = action.expected_change if action else None
        rows.append(_outcome("experiment", experiment.id, experiment.name,
                             experiment.decision, expected, learning))  # fmt: skip
    return rows


def _actions(
    session: Session,
    project_id: int,
    start: date,
    end: date,
    learnings: list[Learning],
    launch_id: int | None,
    tested: set[int],
) -> list[Outcome]:
    query = select(Action).where(
        Action.project_id == project_id,
        Action.status.in_(EVALUATED),
        Action.evaluation_date >= start,
        Action.evaluation_date <= end,
    )
    rows = []
    for action in session.scalars(query.order_by(Action.id)):
        tests = session.scalars(select(Experiment.id).where(Experiment.action_id == action.id))
        if tested & set(tests) or not _of_launch(action, launch_id):
            continue  # reviewed through its experiment
        learning = _latest(learnings, action_id=action.id)
        decision = learning.decision if learning else None
        rows.append(_outcome("action", action.id, action.title, decision,
                             action.expected_change, learning))  # fmt: skip
    return rows


def _outcome(
    kind: str,
    item_id: int,
    title: str,
    decision: str | None,
    expected: float | None,
    learning: Learning | None,
) -> Outcome:
    if learning is not None and learning.expected_change is not None:
        expected = learning.expected_change
    measured = learning.measured_change if learning else None
    flag = bool(learning and learning.generalize)
    return Outcome(kind, item_id, title, decision, expected, measured,
                   learning.id if learning else None, flag,
                   proposal(expected, measured, flag))  # fmt: skip


def _latest(learnings: list[Learning], **keys: int) -> Learning | None:
    found = [x for x in learnings if all(getattr(x, k) == v for k, v in keys.items())]
    return found[-1] if found else None


def _of_launch(action: Action | None, launch_id: int | None) -> bool:
    if launch_id is None:
        return True
    return action is not None and launch_id in {i.launch_id for i in action.insights}


def _to_capitalize(
    session: Session, project_id: int, learnings: list[Learning], launch_id: int | None
) -> tuple[tuple[int, str], ...]:
    """Learnings to generalize that no insight's evidence and no ritual decision cites yet."""
    cited = set(
        session.scalars(
            select(Evidence.learning_id)
            .join(Insight, Insight.id == Evidence.insight_id)
            .where(Insight.project_id == project_id, Evidence.learning_id.is_not(None))
        )
    )
    decisions = session.scalars(
        select(RitualDecision.cites).where(RitualDecision.project_id == project_id)
    )
    cited |= {
        int(c.split(":")[1]) for cites in decisions for c in cites if c.startswith("learning:")
    }
    return tuple(
        (x.id, x.title)
        for x in learnings
        if x.generalize
        and x.id not in cited
        and _of_launch(session.get(Action, x.action_id) if x.action_id else None, launch_id)
    )


def _to_revalidate(
    session: Session, project_id: int, today: date, launch_id: int | None
) -> tuple[tuple[int, str, str], ...]:
    """Stale insights, and validated ones whose review date has passed."""
    query = select(Insight).where(
        Insight.project_id == project_id, Insight.status.in_(("stale", "validated"))
    )
    if launch_id is not None:
        query = query.where(Insight.launch_id == launch_id)
    rows = []
    for insight in session.scalars(query.order_by(Insight.id)):
        if insight.status == "stale":
            rows.append((insight.id, insight.statement, "stale"))
        elif insight.review_by is not None and insight.review_by < today:
            rows.append((insight.id, insight.statement, f"review was due {insight.review_by}"))
    return tuple(rows)
