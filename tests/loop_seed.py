"""A seeded knowledge base for the loop tests: four teams, two KPIs, signals, insights, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from launchloop.knowledge.actions import create_action
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi, create_launch
from launchloop.knowledge.signals import create_signal
from launchloop.knowledge.teams import create_member, ensure_default_teams
from launchloop.loop.subscriptions import subscribe
from tests.knowledge_fixtures import as_role

#: Now, a minute ago: what the seed writes at real time (validations) comes after it.
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
TODAY = NOW.date()


@dataclass
class Seed:
    """Ids of what :func:`seed` wrote."""

    teams: dict[str, int]
    signals: dict[str, int]
    insights: dict[str, int]
    actions: dict[str, int]
    members: dict[str, int]
    launch_id: int


def seed(session: Session, project_id: int) -> Seed:
    """Write the seeded knowledge base (see the comments for who gets what)."""
    admin = as_role(project_id, "admin", "ada")
    teams = {team.name: team.id for team in ensure_default_teams(session, project_id)}
    launch = create_launch(session, admin, name="checkout-v2", launched_at=NOW - timedelta(days=19))
    session.flush()
    kpi = {"kind": "count", "events": ["signed_up"], "target": 100.0}
    signups = create_kpi(session, admin, kpi | {"name": "signups"}, launch_id=launch.id)
    errors = {"name": "checkout_errors", "owner_team": "tech", "direction": "down"}
    faults = create_kpi(session, admin, kpi | errors | {"target": 5.0}, launch_id=launch.id)
    session.flush()
    signals = _signals(session, admin, launch.id, signups.id, faults.id, teams)
    insights = _insights(session, admin, signals, teams)
    actions = {
        # tech owns it and its evaluation date has passed: "evaluation due" for tech.
        "a1": create_action(
            session, admin, kind="fix", title="Fix the card form", insight_ids=[insights["i3"]],
            evaluation_date=TODAY - timedelta(days=1), owner_team_id=teams["tech"],
        ).id,
        # product owns it, evaluated later: an open action of product.
        "a2": create_action(
            session, admin, kind="improvement", title="Shorter sign-up",
            insight_ids=[insights["i3"]], evaluation_date=TODAY + timedelta(days=20),
            owner_team_id=teams["product"],
        ).id,
    }  # fmt: skip
    alice = create_member(session, admin, name="alice", email="alice@example.test",
                          team_id=teams["product"])  # fmt: skip
    session.flush()
    subscribe(session, admin, "tag:pricing", member_id=alice.id)
    subscribe(session, admin, "launch:checkout-v2", team_id=teams["support"])
    session.flush()
    return Seed(teams, signals, insights, actions, {"alice": alice.id}, launch.id)


def _signals(
    session: Session,
    admin: object,
    launch_id: int,
    signups: int,
    faults: int,
    teams: dict[str, int],
) -> dict[str, int]:
    day_ago = NOW - timedelta(hours=20)  # inside a daily digest's window
    made = {
        # marketing observes funnel drops; support follows the launch.
        "s1": create_signal(session, admin, kind="funnel_drop", text="Step 2 dropped",
                            launch_id=launch_id, observed_at=day_ago),
        # product observes KPI moves and owns signups.
        "s2": create_signal(session, admin, kind="kpi_moved", text="Sign-ups fell",
                            kpi_id=signups, observed_at=day_ago),
        # tech owns checkout_errors.
        "s3": create_signal(session, admin, kind="observation", text="Errors at payment",
                            kpi_id=faults, observed_at=day_ago),
        # support observes theme surges and feedback:support.
        "s4": create_signal(session, admin, kind="theme_surge", text="Refund questions",
                            source="feedback:support", observed_at=day_ago),
        # assigned to tech but a month old: in no weekly feed.
        "s5": create_signal(session, admin, kind="observation", text="Old note",
                            team_id=teams["tech"], observed_at=NOW - timedelta(days=30)),
        # nobody observes or follows it.
        "s6": create_signal(session, admin, kind="observation", text="Loose note",
                            observed_at=day_ago),
    }  # fmt: skip
    session.flush()
    return {key: signal.id for key, signal in made.items()}


def _insights(
    session: Session, admin: object, signals: dict[str, int], teams: dict[str, int]
) -> dict[str, int]:
    i1 = create_insight(session, admin, statement="Sign-ups fell after the new form")
    session.flush()
    add_evidence(session, admin, i1.id, kind="signal", signal_id=signals["s2"])  # product
    i2 = create_insight(session, admin, statement="Payment errors", team_ids=[teams["tech"]])
    i3 = create_insight(session, admin, statement="Ads promise free shipping", tags=["marketing"])
    i4 = create_insight(session, admin, statement="Price page confuses", tags=["pricing"])
    session.flush()
    for insight in (i3, i4):  # validated: marketing (tag) and alice (follows tag:pricing)
        add_evidence(session, admin, insight.id, kind="feedback", quote="a customer said so")
        validate_insight(session, admin, insight.id, review_by=date(2027, 3, 1))
    session.flush()
    return {"i1": i1.id, "i2": i2.id, "i3": i3.id, "i4": i4.id}
