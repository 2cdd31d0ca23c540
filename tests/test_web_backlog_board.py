"""The backlog board through the app (httpx): columns by status, moves, and refused moves that
show the loop rule's missing fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.knowledge.actions import create_action, update_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Action
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.web.app import create_app
from tests.web_ui_fixtures import csrf_of, make_user


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process, signed in as an admin of the project."""
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as made:
        token = csrf_of(made.get("/sign-in").text)
        form = {"email": person.email, "password": person.password, "csrf_token": token}
        assert made.post("/sign-in", data=form).status_code == 303
        yield made


@pytest.fixture
def action_id(settings: Settings, project: NewProject) -> int:
    """A proposed action with a hypothesis but no impact KPI nor evaluation date."""
    database = Database(settings.resolved_database_url)
    caller = Caller(project.id, "admin", "Ana")
    with database.session() as session:
        insight = create_insight(session, caller, statement="Pricing page confuses visitors")
        add_evidence(session, caller, insight.id, kind="query", query={"kind": "web"}, figure=0.4)
        validate_insight(session, caller, insight.id)
        made = create_action(
            session,
            caller,
            kind="experiment",
            title="Simpler pricing table",
            insight_ids=[insight.id],
            observation="Visitors leave the pricing page",
            hypothesis="A shorter table keeps them",
        )
        action_id = made.id
    database.dispose()
    return action_id


def column_of(html: str, action_id: int) -> str:
    """The status of the board column that shows ``action_id``."""
    for status, body in re.findall(r'data-status="(\w+)"(.*?)</section>', html, re.S):
        if f'data-action="{action_id}"' in body:
            return status
    raise AssertionError(f"action {action_id} is on no column")


def test_the_board_has_a_column_per_status(
    client: TestClient, project: NewProject, action_id: int
) -> None:
    page = client.get(f"/app/{project.id}/backlog/board")
    assert page.status_code == 200
    statuses = re.findall(r'<section class="column" data-status="(\w+)"', page.text)
    assert statuses == ["proposed", "planned", "in_progress", "evaluating", "done", "dropped"]
    assert column_of(page.text, action_id) == "proposed"
    assert "impact KPI, evaluation date" in page.text  # the loop rule on the card


def test_a_refused_move_shows_what_the_loop_misses_then_a_complete_action_moves(
    client: TestClient, project: NewProject, action_id: int, settings: Settings
) -> None:
    url = f"/app/{project.id}/backlog/{action_id}/status"
    token = csrf_of(client.get(f"/app/{project.id}/backlog/board").text)
    refused = client.post(url, data={"status": "planned", "csrf_token": token})
    assert refused.status_code == 422
    alert = refused.text.split('id="move-refused"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r"<li>(.*?)</li>", alert) == ["impact KPI", "evaluation date"]
    assert column_of(refused.text, action_id) == "proposed"
    database = Database(settings.resolved_database_url)
    caller = Caller(project.id, "admin", "Ana")
    with database.session() as session:
        kpi = create_kpi(session, caller, {"name": "Paid", "kind": "count", "events": ["paid"]})
        update_action(
            session, caller, action_id, impact_kpi_id=kpi.id, evaluation_date=date(2030, 1, 1)
        )
    moved = client.post(url, data={"status": "planned", "csrf_token": token})
    assert moved.status_code == 303
    board = client.get(moved.headers["location"]).text
    assert column_of(board, action_id) == "planned"
    skip = client.post(url, data={"status": "done", "csrf_token": token})
    assert skip.status_code == 422 and "it can go to in_progress, dropped" in skip.text
    with database.session() as session:
        assert session.get(Action, action_id).status == "planned"
    database.dispose()


def test_a_viewer_cannot_move_and_a_move_needs_the_csrf_token(
    client: TestClient, project: NewProject, action_id: int, settings: Settings
) -> None:
    url = f"/app/{project.id}/backlog/{action_id}/status"
    assert client.post(url, data={"status": "dropped"}).status_code == 403
    viewer = make_user(settings, project, email="vic@example.com", name="Vic", role="viewer")
    with TestClient(client.app, follow_redirects=False) as other:
        token = csrf_of(other.get("/sign-in").text)
        form = {"email": viewer.email, "password": viewer.password, "csrf_token": token}
        other.post("/sign-in", data=form)
        token = csrf_of(other.get(f"/app/{project.id}/backlog/board").text)
        refused = other.post(url, data={"status": "dropped", "csrf_token": token})
    assert refused.status_code == 403 and 'id="move-refused"' in refused.text
