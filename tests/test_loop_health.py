"""Loop health on a seeded history with hand-computed figures (issue 9)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from launchloop.knowledge.database import Database
from launchloop.knowledge.models import (
    Action,
    Evidence,
    Experiment,
    Insight,
    Kpi,
    Learning,
    RitualDecision,
    Signal,
)
from launchloop.loop.health import loop_health, spread
from tests.knowledge_fixtures import kdb, new_project  # noqa: F401


def at(month: int, day: int, hour: int = 0) -> datetime:
    """A moment of 2026, UTC."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _history(session: Session, p: int) -> None:
    signals = [Signal(project_id=p, kind="observation", text=t, observed_at=when)
               for t, when in (("a", at(10, 1)), ("b", at(10, 3)), ("c", at(10, 10)))]  # fmt: skip
    session.add_all(signals)
    session.flush()
    sa, sb, sc = (s.id for s in signals)
    insights = [  # first signal -> validation: 4 days, 2 days (October), 22.5 days (November)
        Insight(project_id=p, statement="one", status="validated", validated_at=at(10, 5),
                review_by=date(2026, 11, 1)),
        Insight(project_id=p, statement="two", status="validated", validated_at=at(10, 12),
                review_by=date(2026, 12, 1)),
        Insight(project_id=p, statement="three", status="validated", validated_at=at(11, 1, 12)),
        Insight(project_id=p, statement="draft, not counted", status="draft"),
    ]  # fmt: skip
    session.add_all(insights)
    session.flush()
    i1, i2, i3, _ = insights
    for insight, signal_id in ((i1, sa), (i1, sb), (i2, sc), (i3, sc)):
        session.add(Evidence(insight_id=insight.id, kind="signal", signal_id=signal_id))
    kpi = Kpi(project_id=p, name="k", kind="count", definition={})
    # a1 stands on i1 (first signal Oct 1): 10 days; a2 on i1 and i2: Oct 1 -> Nov 1, 31 days.
    a1 = Action(
        project_id=p,
        kind="experiment",
        title="a1",
        hypothesis="If x then y",
        evaluation_date=date(2026, 11, 30),
        insights=[i1],
        created_at=at(10, 11),
    )
    a2 = Action(project_id=p, kind="experiment", title="a2", insights=[i1, i2],
                created_at=at(11, 1))  # fmt: skip
    session.add_all([kpi, a1, a2])
    session.flush()
    # a1's learning on Nov 15: 45 days after Oct 1.
    session.add(Learning(project_id=p, title="l", tried="t", decision="ship", action_id=a1.id,
                         created_at=at(11, 15)))  # fmt: skip
    session.add_all([
        Experiment(project_id=p, action_id=a1.id, name="e1", primary_kpi_id=kpi.id,
                   started_at=at(10, 20), decided_at=at(11, 10), decision="ship"),
        Experiment(project_id=p, action_id=a2.id, name="e2", started_at=at(11, 2)),
        RitualDecision(project_id=p, ritual="weekly", held_on=date(2026, 10, 6), text="d1",
                       cites=[f"insight:{i1.id}"]),
        RitualDecision(project_id=p, ritual="weekly", held_on=date(2026, 10, 13), text="d2"),
        RitualDecision(project_id=p, ritual="weekly", held_on=date(2026, 11, 3), text="d3",
                       cites=[f"signal:{sa}"]),
    ])  # fmt: skip


def test_each_figure_matches_the_hand_computed_history(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        _history(session, project_id)
        session.flush()
        health = loop_health(session, project_id, today=date(2026, 11, 20))
    october, november = health.months
    assert (october.month, november.month) == ("2026-10", "2026-11")
    assert october.signal_to_insight == spread([4.0, 2.0])
    assert october.signal_to_insight.median_days == 3.0  # p90: 2 + 0.9 * (4 - 2) = 3.8
    assert abs((october.signal_to_insight.p90_days or 0) - 3.8) < 1e-9
    assert november.signal_to_insight.median_days == 22.5
    assert october.signal_to_action.median_days == 10.0
    assert november.signal_to_action.median_days == 31.0
    assert november.signal_to_evaluation.median_days == 45.0
    assert october.signal_to_evaluation.count == 0
    assert (october.decisions, october.decisions_citing_knowledge) == (2, 1)
    assert (november.decisions, november.decisions_citing_knowledge) == (1, 0)
    assert (october.experiments_started, october.experiments_complete) == (1, 1)
    assert (november.experiments_started, november.experiments_complete) == (1, 0)
    assert (november.experiments_decided, november.experiments_shipped) == (1, 1)
    assert (health.validated_insights, health.past_review) == (3, 1)
    assert health.stale_share == 1 / 3
    assert health.as_dict()["months"][0]["signal_to_action"]["count"] == 1


def test_spread_agrees_with_a_hand_computation() -> None:
    days = [1.0, 2.0, 3.0, 10.0]
    found = spread(days)
    # median of 1, 2, 3, 10 is 2.5; p90: rank 0.9 * 3 = 2.7 -> 3 + 0.7 * (10 - 3) = 7.9
    assert (found.count, found.median_days) == (4, 2.5)
    assert abs((found.p90_days or 0) - 7.9) < 1e-9
    assert spread([]).median_days is None
