"""Routing to support, marketing and tech (issue 9): feedback themes as questions to anticipate,
funnel and friction findings, on a seeded knowledge base with hand-computed answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import FeedbackItem, Signal, Theme
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.teams import ensure_default_teams
from launchloop.loop.team_briefs import is_question, team_brief
from launchloop.web.app import create_app
from tests.conftest import Server
from tests.knowledge_fixtures import kdb, new_project  # noqa: F401
from tests.web_ui_fixtures import csrf_of, make_user

NOW = datetime.now(UTC).replace(microsecond=0)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _seed(session: Session, p: int) -> dict[str, int]:
    refunds = Theme(project_id=p, name="refunds", quotes=[])
    login = Theme(project_id=p, name="login", quotes=[{"id": 1, "text": "login is slow"}])
    old = Theme(project_id=p, name="old", quotes=[])
    session.add_all([refunds, login, old])
    session.flush()
    items = [  # (theme, text, days ago)
        (refunds, "How do I get a refund?", 1),
        (refunds, "Refund took too long.", 2),
        (refunds, "can I cancel my order", 3),
        (refunds, "Where is my refund?", 10),  # the week before
        (refunds, "Refunds are slow", 20),  # older
        (login, "Login page is slow.", 1),
        (login, "Login fails", 8),
        (login, "Login again", 9),
        (login, "Login loops", 12),
        (old, "Why is it old?", 20),
    ]
    session.add_all([
        FeedbackItem(project_id=p, kind="support_ticket", text=text, theme_id=theme.id,
                     observed_at=_ago(days))
        for theme, text, days in items
    ])  # fmt: skip
    friction = {"friction": "error", "path": "/pay", "target": "#submit"}
    drop = {"to_event": "signup_completed", "segments": [{"dimension": "browser",
                                                          "value": "Safari"}]}  # fmt: skip
    signals = [
        Signal(project_id=p, kind="friction_hotspot", text="Errors on /pay", payload=friction,
               observed_at=_ago(1)),
        Signal(project_id=p, kind="funnel_drop", text="Sign-up fell", payload=drop,
               observed_at=_ago(2)),
        Signal(project_id=p, kind="friction_hotspot", text="Old", payload={},
               observed_at=_ago(30)),
    ]  # fmt: skip
    session.add_all(signals)
    session.flush()
    return {"refunds": refunds.id, "login": login.id, "friction": signals[0].id,
            "drop": signals[1].id}  # fmt: skip


def test_questions_and_findings_reach_support_marketing_and_tech(kdb: Database) -> None:  # noqa: F811
    p = new_project(kdb)
    with kdb.session() as session:
        ids = _seed(session, p)
        teams = {team.name: team for team in ensure_default_teams(session, p)}
        briefs = {name: team_brief(session, p, team, now=NOW) for name, team in teams.items()}
    support = briefs["support"]
    # refunds: 5 in all, 3 this week, 1 the week before (+2); login: 4, 1 this week, 3 before.
    # "old" has nothing this week: not suggested.
    assert [(q.theme_id, q.count, q.recent, q.previous, q.trend) for q in support.questions] == [
        (ids["refunds"], 5, 3, 1, 2),
        (ids["login"], 4, 1, 3, -2),
    ]
    # Newest first, only those that ask; login asks nothing: its quote stands in.
    assert support.questions[0].questions == (
        "How do I get a refund?", "can I cancel my order", "Where is my refund?",
    )  # fmt: skip
    assert support.questions[1].questions == ("login is slow",)
    assert "about refunds" in support.questions[0].answer
    assert support.findings == ()
    assert [(f.signal_id, f.where) for f in briefs["marketing"].findings] == [
        (ids["drop"], "step signup_completed · browser=Safari")
    ]
    assert [(f.signal_id, f.where) for f in briefs["tech"].findings] == [
        (ids["friction"], "error · /pay · #submit")
    ]
    assert briefs["marketing"].questions == () and briefs["tech"].questions == ()
    assert briefs["product"].questions == () and briefs["product"].findings == ()


def test_what_reads_as_a_question() -> None:
    assert is_question("Where is it") and is_question("It broke?")
    assert not is_question("It broke.") and not is_question("")


def test_the_brief_over_http(server: Server) -> None:
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        ids = _seed(session, server.project.id)
        teams = {t.name: t.id for t in ensure_default_teams(session, server.project.id)}
    database.dispose()
    with server.api() as api:
        found = api.get(f"/api/v1/teams/{teams['support']}/brief").json()
        assert [(q["theme_id"], q["trend"]) for q in found["questions"]] == [
            (ids["refunds"], 2), (ids["login"], -2),
        ]  # fmt: skip
        tech = api.get(f"/api/v1/teams/{teams['tech']}/brief").json()
        assert [f["signal_id"] for f in tech["findings"]] == [ids["friction"]]
        assert api.get("/api/v1/teams/99999/brief").status_code == 404


def test_the_brief_on_the_team_feed_page(settings: Settings, project: NewProject) -> None:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        _seed(session, project.id)
        teams = {t.name: t.id for t in ensure_default_teams(session, project.id)}
    database.dispose()
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        token = csrf_of(client.get("/sign-in").text)
        client.post("/sign-in", data={"email": person.email, "password": person.password,
                                      "csrf_token": token})  # fmt: skip
        page = client.get(f"/app/{project.id}/teams/{teams['support']}/feed").text
        assert "Questions to anticipate" in page and "5 in all, 3 this week (+2)" in page
        assert "How do I get a refund?" in page and "Thanks for your question about refunds" in page
        tech = client.get(f"/app/{project.id}/teams/{teams['tech']}/feed").text
        assert "Findings to act on" in tech and "error · /pay · #submit" in tech
        assert "Questions to anticipate" not in tech
