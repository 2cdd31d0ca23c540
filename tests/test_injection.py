"""Injection: SQL in query filters and property names, Jinja and HTML in pages and exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.knowledge.markdown import markdown_text
from launchloop.knowledge.projects import NewProject
from launchloop.web.app import create_app
from tests.conftest import Server
from tests.test_analytics_query_api import RANGE, fixture_events
from tests.web_ui_fixtures import Person, csrf_of, make_user

SQL = [
    "x' OR '1'='1",
    "'; DROP TABLE events; --",
    'a") OR 1=1 --',
    "$.a') OR TRUE OR ('",
    "plan' UNION SELECT * FROM persons --",
    "\\'; SELECT 1; --",
]
JINJA = "{{7*7}}zq"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PAYLOAD = f"{JINJA} {HTML}"


@pytest.fixture
def loaded(server: Server) -> Server:
    """The server, with six events of three people (two signups on plan pro/free)."""
    body = {"api_key": server.project.public_key, "events": fixture_events()}
    assert httpx.post(f"{server.url}/api/v1/events", json=body, timeout=30).status_code == 200
    return server


def trend_total(server: Server, body: dict[str, Any]) -> int | None:
    """The total of a trends query (None when refused with a 4xx naming the input)."""
    with server.api() as api:
        answer = api.post("/api/v1/query/trends", json={**RANGE, **body})
    assert answer.status_code in (200, 400, 422), answer.text
    if answer.status_code != 200:
        return None
    return sum(sum(line["values"]) for line in answer.json()["current"]["lines"])


def test_sql_in_filters_and_property_names_matches_nothing(loaded: Server) -> None:
    assert trend_total(loaded, {"event": "signup"}) == 3
    for attack in SQL:
        as_value = [{"key": "plan", "operator": "eq", "value": attack}]
        assert trend_total(loaded, {"event": "signup", "filters": as_value}) == 0, attack
        as_key = [{"key": attack, "operator": "eq", "value": "pro"}]
        assert trend_total(loaded, {"event": "signup", "filters": as_key}) in (0, None), attack
        as_person = [{"key": attack, "operator": "eq", "value": "pro", "type": "person"}]
        assert trend_total(loaded, {"event": "signup", "filters": as_person}) in (0, None)
        breakdown = trend_total(loaded, {"event": "signup", "breakdown": {"key": attack}})
        assert breakdown in (3, None), attack
        assert trend_total(loaded, {"event": attack}) == 0, attack
    # The events are all still there, and the plan filter still finds exactly one.
    assert trend_total(loaded, {"event": "signup"}) == 3
    pro = [{"key": "plan", "operator": "eq", "value": "pro"}]
    assert trend_total(loaded, {"event": "signup", "filters": pro}) == 1


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process with the project's secret token on every request."""
    with TestClient(create_app(settings), follow_redirects=False) as made:
        yield made


def seed_payloads(client: TestClient, project: NewProject) -> None:
    """The payload in signal, insight, comment, action, KPI and feedback text, through the API."""
    auth = {"Authorization": f"Bearer {project.secret_token}"}

    def post(path: str, body: Any) -> dict[str, Any]:
        answer = client.post(path, json=body, headers=auth)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()

    post("/api/v1/signals", {"kind": "observation", "text": PAYLOAD})
    insight = post("/api/v1/insights", {"statement": PAYLOAD, "context": PAYLOAD})
    evidence = {"kind": "feedback", "quote": PAYLOAD, "figure_label": PAYLOAD[:200]}
    post(f"/api/v1/insights/{insight['id']}/evidence", evidence)
    post(f"/api/v1/insights/{insight['id']}/validate", {})
    post("/api/v1/comments", {"item_kind": "insight", "item_id": insight["id"], "body": PAYLOAD})
    post(
        "/api/v1/actions",
        {
            "kind": "fix",
            "title": PAYLOAD,
            "hypothesis": PAYLOAD,
            "observation": PAYLOAD,
            "insight_ids": [insight["id"]],
        },
    )
    kpi = {"name": PAYLOAD[:100], "kind": "count", "events": ["signup"]}
    refused = client.post("/api/v1/kpis", json=kpi, headers=auth)  # KPI names are plain words
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["name"]
    post("/api/v1/feedback", [{"kind": "support_ticket", "text": PAYLOAD}])


def assert_inert(page: str, where: str) -> None:
    """No raw tag, no evaluated template, and the escaped payload is shown."""
    assert "<script>alert" not in page and "<img src=x" not in page, where
    assert "49zq" not in page, where
    assert "{{7*7}}zq" in page and "&lt;script&gt;" in page, where


def test_payloads_render_escaped_on_every_page(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    seed_payloads(client, project)
    person: Person = make_user(settings, project)
    token = csrf_of(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in", data={"email": person.email, "password": person.password, "csrf_token": token}
    )
    assert signed.status_code == 303
    base = f"/app/{project.id}"
    for page in ("signals", "insights", "insights/1", "backlog", "inbox"):
        answer = client.get(f"{base}/{page}")
        assert answer.status_code == 200, (page, answer.status_code)
        assert_inert(answer.text, page)
    for page in ("dashboard", "search?q=zq"):
        answer = client.get(f"{base}/{page}")
        assert answer.status_code == 200, (page, answer.status_code)
        assert "<script>alert" not in answer.text and "49zq" not in answer.text, page


def test_insight_markdown_keeps_payloads_inert(client: TestClient, project: NewProject) -> None:
    seed_payloads(client, project)
    auth = {"Authorization": f"Bearer {project.secret_token}"}
    attack = "ok\n## Injected heading\n<script>x</script> [link](javascript:alert(1)) `code`"
    made = client.post("/api/v1/insights", json={"statement": attack}, headers=auth).json()
    document = client.get(f"/api/v1/insights/{made['id']}/markdown", headers=auth).text
    assert "\n## Injected heading" not in document
    assert "<script>" not in document and "[link](javascript:" not in document
    assert "&lt;script&gt;x&lt;/script&gt;" in document
    first = client.get("/api/v1/insights/1/markdown", headers=auth).text
    assert "<script>" not in first and "<img" not in first
    assert first.count("{{7*7}}zq") >= 4  # statement, context, action title, comment


def test_markdown_text_in_block_mode_defuses_line_starts() -> None:
    text = markdown_text("fine\n# heading\n> quote\n- item\n1. step\n<b>", block=True)
    assert text.splitlines() == [
        "fine",
        "\\# heading",
        "&gt; quote",
        "\\- item",
        "\\1. step",
        "&lt;b&gt;",
    ]
