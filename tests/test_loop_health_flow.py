"""The knowledge-flow map, reuse rates, evaluations on time and win rate on a seeded history,
with hand-computed answers (issue 9), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from launchloop.knowledge.database import Database
from launchloop.knowledge.models import (
    Action,
    Change,
    Evidence,
    Experiment,
    Insight,
    Learning,
    Member,
    RitualDecision,
    Signal,
)
from launchloop.knowledge.teams import ensure_default_teams
from launchloop.loop.health import loop_health
from launchloop.loop.health_flow import FlowEdge, TeamPart, knowledge_flow
from tests.knowledge_fixtures import kdb, new_project  # noqa: F401


def at(month: int, day: int) -> datetime:
    """Noon of a day of 2026, UTC."""
    return datetime(2026, month, day, 12, tzinfo=UTC)


def _people(session: Session, p: int) -> dict[str, int]:
    teams = {team.name: team for team in ensure_default_teams(session, p)}
    session.add_all([
        Member(project_id=p, name="sam", team_id=teams["support"].id),
        Member(project_id=p, name="pat", email="pat@example.test", team_id=teams["product"].id),
        Member(project_id=p, name="tom", team_id=teams["tech"].id),
    ])  # fmt: skip
    return {name: team.id for name, team in teams.items()}


def _history(session: Session, p: int) -> dict[str, int]:
    teams = _people(session, p)
    signals = [  # sam raises two (support); a bot one assigned to tech; one nobody's
        Signal(project_id=p, kind="observation", text="1", author="sam", observed_at=at(10, 1)),
        Signal(project_id=p, kind="observation", text="2", author="sam", observed_at=at(10, 2)),
        Signal(project_id=p, kind="observation", text="3", author="bot", team_id=teams["tech"],
               observed_at=at(10, 3)),
        Signal(project_id=p, kind="observation", text="4", author="bot", observed_at=at(10, 4)),
    ]  # fmt: skip
    insights = [Insight(project_id=p, statement=f"i{n}", status="validated") for n in range(1, 6)]
    insights[3].status = "draft"  # i4: never validated
    session.add_all([*signals, *insights])
    session.flush()
    s1, s2, s3, s4 = signals
    i1, i2, i3, i4, i5 = insights
    for insight, signal in ((i1, s1), (i1, s3), (i2, s2), (i3, s4), (i4, s2)):
        session.add(Evidence(insight_id=insight.id, kind="signal", signal_id=signal.id))
    # pat (by email) validates i1 and i2; a stranger i3; i5 by pat, with no signal behind it.
    for insight, who in ((i1, "pat@example.test"), (i2, "pat"), (i3, "ghost"), (i5, "pat")):
        session.add(Change(project_id=p, author=who, item_kind="insight", item_id=insight.id,
                           verb="validated", changes={}))  # fmt: skip
    a1 = Action(project_id=p, kind="fix", title="a1", insights=[i1], owner_team_id=teams["tech"],
                evaluation_date=date(2026, 10, 20))  # fmt: skip
    a2 = Action(project_id=p, kind="fix", title="a2", insights=[i1, i2], author="tom",
                evaluation_date=date(2026, 10, 25))  # fmt: skip
    a3 = Action(project_id=p, kind="fix", title="a3", insights=[i3],
                owner_team_id=teams["product"])  # fmt: skip
    session.add_all([a1, a2, a3])
    session.flush()
    l1 = Learning(
        project_id=p, title="l1", tried="t", decision="ship", action_id=a1.id, created_at=at(10, 19)
    )  # on time: Oct 19 <= Oct 20
    l2 = Learning(
        project_id=p, title="l2", tried="t", decision="stop", action_id=a2.id, created_at=at(10, 27)
    )  # late: Oct 27 > Oct 25
    session.add_all([l1, l2])
    session.flush()
    session.add(Evidence(insight_id=i1.id, kind="learning", learning_id=l1.id))
    session.add(
        RitualDecision(
            project_id=p,
            ritual="monthly",
            held_on=date(2026, 10, 30),
            text="d",
            cites=[f"insight:{i2.id}", f"learning:{l1.id}"],
        )
    )
    for decision in ("ship", "stop"):  # decided in October: a win rate of 1/2
        session.add(Experiment(project_id=p, action_id=a1.id, name=decision, status="decided",
                               decision=decision, decided_at=at(10, 28)))  # fmt: skip
    session.flush()
    return {"i5": i5.id}


def test_the_flow_map_and_reuse(kdb: Database) -> None:  # noqa: F811
    p = new_project(kdb)
    with kdb.session() as session:
        _history(session, p)
        flow = knowledge_flow(session, p)
    # Raised: sam's 2 (support), the bot's signal assigned to tech, one unassigned.
    # Validated: i1, i2, i5 by pat (product), i3 by a stranger. Acted: a1 (owner tech),
    # a2 (tom, tech), a3 (owner product).
    assert flow.teams == (
        TeamPart("product", 0, 3, 1),
        TeamPart("support", 2, 0, 0),
        TeamPart("tech", 1, 0, 2),
        TeamPart("unassigned", 1, 1, 0),
    )
    # validates: i1 (support, tech -> product), i2 (support -> product), i3 (-> unassigned);
    # acts on: a1 on i1, a2 on i1 and i2 (product -> tech: 3), a3 on i3 (unassigned -> product).
    assert flow.edges == (
        FlowEdge("product", "tech", "acts on", 3),
        FlowEdge("support", "product", "validates", 2),
        FlowEdge("tech", "product", "validates", 1),
        FlowEdge("unassigned", "product", "acts on", 1),
        FlowEdge("unassigned", "unassigned", "validates", 1),
    )
    # Insights (i4 is a draft): i1 by a1 and a2, i2 by a2 and the decision, i3 by a3, i5 none.
    assert (flow.insight_reuse.items, flow.insight_reuse.cited) == (4, 3)
    assert flow.insight_reuse.citations == 5 and flow.insight_reuse.rate == 0.75
    # Learnings: l1 by i1's evidence and the decision; l2 by none.
    reuse = flow.learning_reuse
    assert (reuse.items, reuse.cited, reuse.citations, reuse.rate) == (2, 1, 2, 0.5)


def test_evaluations_on_time_and_win_rate(kdb: Database) -> None:  # noqa: F811
    p = new_project(kdb)
    with kdb.session() as session:
        _history(session, p)
        health = loop_health(session, p, today=date(2026, 11, 20))
    [october] = [m for m in health.months if m.month == "2026-10"]
    assert (october.evaluations, october.evaluations_on_time) == (2, 1)
    assert (october.experiments_decided, october.experiments_shipped) == (2, 1)
    assert october.win_rate == 0.5
    found = health.as_dict()
    assert [m["win_rate"] for m in found["months"] if m["month"] == "2026-10"] == [0.5]
    assert found["flow"]["insight_reuse"]["rate"] == 0.75
