"""The monthly generalization review on a seeded knowledge base, with hand-computed answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from launchloop.cli import app as cli_app
from launchloop.cli import register_commands
from launchloop.config import Settings
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.experiments import create_experiment
from launchloop.knowledge.learnings import create_learning
from launchloop.knowledge.models import Action, Insight
from launchloop.knowledge.projects import NewProject
from launchloop.loop.ritual_monthly import monthly_review, proposal
from launchloop.loop.ritual_monthly_reports import monthly_html, monthly_markdown
from launchloop.loop.rituals import record_decision
from launchloop.web.app import create_app
from tests.conftest import Server
from tests.knowledge_fixtures import as_role, new_project
from tests.loop_seed import NOW, TODAY, Seed, seed
from tests.web_ui_fixtures import csrf_of, make_user

VARIANTS = [{"name": "control", "weight": 0.5}, {"name": "new", "weight": 0.5}]


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite knowledge base."""
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    yield database
    database.dispose()


@pytest.mark.parametrize(
    ("expected", "measured", "flag", "answer"),
    [
        (0.10, 0.09, True, "generalize"),  # 90% of the expected change, to generalize
        (0.10, 0.08, True, "generalize"),  # exactly the 80% bar
        (0.10, 0.09, False, "iterate"),  # reached, but the learning does not generalize
        (0.20, 0.10, True, "iterate"),  # half the expected change
        (0.05, -0.01, True, "stop"),  # against the expected direction
        (-0.05, 0.0, False, "stop"),  # no change at all
        (-0.05, -0.06, True, "generalize"),  # a decrease expected and reached
        (None, 0.3, True, "iterate"),  # nothing to compare with
        (0.1, None, True, "iterate"),  # not measured yet
    ],
)
def test_the_proposal_rule(
    expected: float | None, measured: float | None, flag: bool, answer: str
) -> None:
    assert proposal(expected, measured, flag) == answer


def _outcomes(session: Session, project_id: int, found: Seed) -> dict[str, int]:
    """Three outcomes in the window and two outside it (see the comments)."""
    admin = as_role(project_id, "admin", "ada")
    i3, i4 = found.insights["i3"], found.insights["i4"]
    session.get(Insight, i3).launch_id = found.launch_id  # a1 stands on i3: the launch's
    a3 = create_action(session, admin, kind="experiment", title="Green button",
                       insight_ids=[i4], expected_change=0.10)  # fmt: skip
    a4 = create_action(session, admin, kind="improvement", title="Clearer prices",
                       insight_ids=[i4], expected_change=0.20,
                       evaluation_date=TODAY - timedelta(days=5))  # fmt: skip
    a5 = create_action(session, admin, kind="fix", title="Old fix", insight_ids=[i4],
                       expected_change=0.1, evaluation_date=TODAY - timedelta(days=40))  # fmt: skip
    session.flush()
    e1 = create_experiment(session, admin, action_id=a3.id, name="green", variants=VARIANTS,
                           exposure_event="$pageview")  # fmt: skip
    e2 = create_experiment(session, admin, action_id=a3.id, name="older", variants=VARIANTS,
                           exposure_event="$pageview")  # fmt: skip
    session.flush()
    # Seeding states directly: the transitions have their own tests (test_knowledge_*).
    for experiment, days in ((e1, 2), (e2, 45)):
        experiment.status, experiment.decision = "decided", "ship"
        experiment.decided_at = NOW - timedelta(days=days)
    a1 = session.get(Action, found.actions["a1"])
    a1.status, a1.expected_change = "done", 0.05  # evaluated yesterday
    a4.status, a5.status = "evaluating", "done"
    session.flush()
    l1 = create_learning(session, admin, title="Green wins", tried="green", decision="ship",
                         experiment_id=e1.id, measured_change=0.09, generalize=True)  # fmt: skip
    create_learning(session, admin, title="Card form", tried="fix", decision="stop",
                    action_id=a1.id, measured_change=-0.01)  # fmt: skip
    l3 = create_learning(session, admin, title="Prices", tried="copy", decision="iterate",
                         action_id=a4.id, measured_change=0.10, generalize=True)  # fmt: skip
    session.flush()
    # l3 is already capitalized: a decision cites it.
    record_decision(session, admin, ritual="monthly", text="Reuse", held_on=TODAY,
                    cites=[f"learning:{l3.id}"])  # fmt: skip
    session.get(Insight, i3).status = "stale"
    session.get(Insight, i4).review_by = TODAY - timedelta(days=1)
    session.flush()
    return {"e1": e1.id, "a1": a1.id, "a4": a4.id, "l1": l1.id, "i3": i3, "i4": i4}


def test_the_review_lists_outcomes_proposals_learnings_and_insights(kb: Database) -> None:
    project_id = new_project(kb)
    with kb.session() as session:
        ids = _outcomes(session, project_id, seed(session, project_id))
        review = monthly_review(session, project_id, until=TODAY)
    assert review.start == TODAY - timedelta(days=29)
    rows = [(o.kind, o.item_id, o.expected_change, o.measured_change, o.proposal)
            for o in review.outcomes]  # fmt: skip
    # e1: 0.09 of 0.10 (90%), to generalize; a1: -0.01 against +0.05; a4: 0.10 of 0.20 (50%).
    # e2 (decided 45 days ago) and a5 (evaluated 40 days ago) are outside the 30 days.
    assert rows == [
        ("experiment", ids["e1"], 0.10, 0.09, "generalize"),
        ("action", ids["a1"], 0.05, -0.01, "stop"),
        ("action", ids["a4"], 0.20, 0.10, "iterate"),
    ]
    assert review.outcomes[0].reached == pytest.approx(0.9)
    assert review.to_capitalize == ((ids["l1"], "Green wins"),)
    assert [(i, why) for i, _, why in review.to_revalidate] == [
        (ids["i3"], "stale"),
        (ids["i4"], f"review was due {TODAY - timedelta(days=1)}"),
    ]
    markdown = monthly_markdown(review)
    assert "| Green wins" not in markdown and "| green (experiment" in markdown
    assert "| 90% | generalize |" in markdown and "| -0.01 |" in markdown
    html = monthly_html(review)
    assert html.count("<tr>") == 4 and "Green wins <small>(learning" in html


def test_the_launch_filter_keeps_its_own_items(kb: Database) -> None:
    project_id = new_project(kb)
    with kb.session() as session:
        ids = _outcomes(session, project_id, seed(session, project_id))
        review = monthly_review(session, project_id, until=TODAY, launch="checkout-v2")
    assert [o.item_id for o in review.outcomes] == [ids["a1"]]
    assert review.to_capitalize == ()
    assert [i for i, _, _ in review.to_revalidate] == [ids["i3"]]


def _seeded(settings: Settings, project_id: int) -> dict[str, int]:
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        ids = _outcomes(session, project_id, seed(session, project_id))
    database.dispose()
    return ids


def test_the_review_on_the_command_line(
    settings: Settings, project: NewProject, tmp_path: Path
) -> None:
    ids = _seeded(settings, project.id)
    register_commands()
    runner = CliRunner()
    data = ["--data-dir", str(settings.data_dir), "--until", TODAY.isoformat()]
    done = runner.invoke(cli_app, ["ritual", "monthly", "--json", *data])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert [(o["item_id"], o["proposal"]) for o in found["outcomes"]] == [
        (ids["e1"], "generalize"), (ids["a1"], "stop"), (ids["a4"], "iterate"),
    ]  # fmt: skip
    assert found["to_capitalize"] == [{"id": ids["l1"], "title": "Green wins"}]
    out = tmp_path / "review.html"
    done = runner.invoke(cli_app, ["ritual", "monthly", "--launch", "checkout-v2",
                                   "--out", str(out), *data])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Generalization review — checkout-v2" in out.read_text()
    assert out.read_text().count("<tr>") == 2  # the header and a1
    out = tmp_path / "agenda.html"
    done = runner.invoke(cli_app, ["ritual", "fortnightly", "--out", str(out),
                                   "--data-dir", str(settings.data_dir)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "<h2>Top of the backlog</h2>" in out.read_text()


def test_the_review_over_http(server: Server) -> None:
    ids = _seeded(server.settings, server.project.id)
    with server.api() as api:
        params = {"until": TODAY.isoformat()}
        found = api.get("/api/v1/rituals/monthly", params=params).json()
        assert [o["item_id"] for o in found["outcomes"]] == [ids["e1"], ids["a1"], ids["a4"]]
        html = api.get("/api/v1/rituals/monthly", params=params | {"format": "html"})
        assert html.headers["content-type"].startswith("text/html")
        markdown = api.get("/api/v1/rituals/monthly", params=params | {"format": "markdown"})
        assert "## Learnings to capitalize" in markdown.text
        missing = api.get("/api/v1/rituals/monthly", params={"launch": "nope"})
        assert missing.status_code == 404
        agenda = api.get("/api/v1/rituals/fortnightly", params={"format": "html"})
        assert "Running experiments" in agenda.text


def test_the_three_ritual_pages(settings: Settings, project: NewProject) -> None:
    ids = _seeded(settings, project.id)
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        token = csrf_of(client.get("/sign-in").text)
        client.post("/sign-in", data={"email": person.email, "password": person.password,
                                      "csrf_token": token})  # fmt: skip
        base = f"/app/{project.id}/rituals"
        monthly = client.get(f"{base}/monthly", params={"until": TODAY.isoformat()})
        assert monthly.status_code == 200
        assert f"green (experiment {ids['e1']})" in monthly.text and "generalize" in monthly.text
        assert "| stop |" in client.get(f"{base}/monthly.md").text
        assert client.get(f"{base}/monthly.html").text.startswith("<!doctype html>")
        fortnightly = client.get(f"{base}/fortnightly")
        assert fortnightly.status_code == 200 and "Top of the backlog" in fortnightly.text
        assert "## Running experiments" in client.get(f"{base}/fortnightly.md").text
        assert "<h2>Running experiments</h2>" in client.get(f"{base}/fortnightly.html").text
