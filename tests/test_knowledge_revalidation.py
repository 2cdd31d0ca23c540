"""Re-validation runs real saved funnels (DuckDB): library, HTTP, CLI and the insight page;
and the API routes of the moved services (signal -> insight, tokens, KPIs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.errors import Forbidden
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.freshness import check_figures, mark_stale, saved_query_runner
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.projects import NewProject
from launchloop.store.base import open_store
from launchloop.store.duckdb import DuckDBStore
from launchloop.web.app import create_app
from tests.analytics_events import ev, write
from tests.conftest import Server
from tests.knowledge_fixtures import as_role, kdb, new_project
from tests.web_ui_fixtures import csrf_of, make_user

__all__ = ["kdb"]
FUNNEL = {"kind": "funnel", "steps": ["form_started", "form_submitted"], "period": "7d"}


def _form_events(starters: str, submitters: str) -> list[dict[str, Any]]:
    """Starts yesterday, submissions a minute later (within the 7 days ending today)."""
    day = datetime.now(UTC) - timedelta(days=1)
    at = [day.isoformat(), (day + timedelta(minutes=1)).isoformat()]
    return [ev("form_started", p, at[0]) for p in starters] + [
        ev("form_submitted", p, at[1]) for p in submitters
    ]


def test_check_figures_reruns_a_saved_funnel_and_revalidates_a_stale_insight(
    kdb: Database, tmp_path: Path
) -> None:
    project = new_project(kdb)
    store = DuckDBStore(str(tmp_path / "events.duckdb"))
    write(store, _form_events("abcd", "ab"), project_id=project)
    run = saved_query_runner(store, project, today=datetime.now(UTC).date(), time_zone="UTC")
    writer, decider = as_role(project, "contributor"), as_role(project, "decider")
    with kdb.session() as session:
        insight = create_insight(session, writer, statement="37% finish the form").id
        add_evidence(session, writer, insight, kind="query", query=FUNNEL, figure=0.37)
        checked = check_figures(session, writer, insight, run)
        assert ([c.shown for c in checked.changes], checked.insight.status) == (
            ["37% -> 50%"],
            "draft",  # a draft is re-run, not validated
        )
        validate_insight(session, decider, insight, review_by=date.today() + timedelta(days=1))
    with kdb.session() as session:
        assert mark_stale(session, writer, today=date.today() + timedelta(days=2)) == [insight]
    write(store, _form_events("", "c"), project_id=project)  # one more person got through
    with kdb.session() as session, pytest.raises(Forbidden):
        check_figures(session, writer, insight, run)  # validating again takes the decider
    with kdb.session() as session:
        result = check_figures(session, decider, insight, run)
        assert [c.shown for c in result.changes] == ["37% -> 75%"]
        assert result.insight.status == "validated"
        assert (result.insight.evidence[0].figure, result.insight.evidence[0].last_figure) == (
            0.37,
            0.75,
        )
    store.close()


def _send(server: Server, events: list[dict[str, Any]], key: str | None = None) -> httpx.Response:
    body = {"api_key": key or server.project.public_key, "events": events}
    return httpx.post(f"{server.url}/api/v1/events", json=body, timeout=30)


def test_revalidate_over_http(server: Server) -> None:
    assert _send(server, _form_events("abcd", "ab")).status_code == 200
    api = server.api()
    evidence = {"kind": "query", "query": FUNNEL, "figure": 0.37, "figure_label": "finish"}
    made = api.post("/api/v1/insights", json={"statement": "37% finish", "evidence": [evidence]})
    insight = made.json()["id"]
    answer = api.post(f"/api/v1/insights/{insight}/revalidate")
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["insight"]["status"] == "draft"
    assert [(c["label"], c["captured"], c["now"], c["shown"]) for c in got["changes"]] == [
        ("finish", 0.37, 0.5, "37% -> 50%")
    ]
    assert got["insight"]["evidence"][0]["last_figure"] == 0.5
    api.post(f"/api/v1/insights/{insight}/validate")
    api.post(f"/api/v1/insights/{insight}/status", json={"status": "stale"})
    again = api.post(f"/api/v1/insights/{insight}/revalidate").json()
    assert again["insight"]["status"] == "validated"
    broken = {"kind": "query", "query": {"kind": "funnel", "steps": ["a"]}, "figure": 0.1}
    other = api.post("/api/v1/insights", json={"statement": "x", "evidence": [broken]}).json()
    refused = api.post(f"/api/v1/insights/{other['id']}/revalidate")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query.steps"]
    assert api.post("/api/v1/insights/999/revalidate").status_code == 404


def test_revalidate_from_the_cli(settings: Settings, project: NewProject) -> None:
    store = open_store(settings.resolved_events_url)
    write(store, _form_events("abcd", "abc"), project_id=project.id)
    store.close()
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        admin = as_role(project.id, "admin")
        insight = create_insight(session, admin, statement="half finish").id
        add_evidence(session, admin, insight, kind="query", query=FUNNEL, figure=0.5)
    database.dispose()
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(settings.data_dir)}
    ran = subprocess.run(
        [sys.executable, "-m", "launchloop", "insight", "revalidate", str(insight), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    assert (got["status"], [c["shown"] for c in got["changes"]]) == ("draft", ["50% -> 75%"])


def test_the_insight_page_shows_captured_and_live_figures(
    settings: Settings, project: NewProject
) -> None:
    store = open_store(settings.resolved_events_url)
    write(store, _form_events("abcd", "ab"), project_id=project.id)
    store.close()
    person = make_user(settings, project)
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        admin = as_role(project.id, "admin")
        insight = create_insight(session, admin, statement="37% finish").id
        add_evidence(session, admin, insight, kind="query", query=FUNNEL, figure=0.37)
    database.dispose()
    with TestClient(create_app(settings), follow_redirects=False) as client:
        token = csrf_of(client.get("/sign-in").text)
        signed = {"email": person.email, "password": person.password, "csrf_token": token}
        client.post("/sign-in", data=signed)
        page = client.get(f"/app/{project.id}/insights/{insight}").text
        assert "37%" in page and "37% -&gt; 50%" not in page and 'id="revalidate"' in page
        url = f"/app/{project.id}/insights/{insight}/revalidate"
        assert client.post(url, data={"csrf_token": csrf_of(page)}).status_code == 303
        assert client.post(url, data={}).status_code == 403  # CSRF
        page = client.get(f"/app/{project.id}/insights/{insight}").text
    assert "37% -&gt; 50%" in page


def test_a_revoked_token_is_refused_at_once_for_ingestion(server: Server) -> None:
    api = server.api()
    made = api.post("/api/v1/tokens", json={"label": "script", "role": "contributor"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert _send(server, _form_events("a", ""), key=token).status_code == 200  # now cached
    listed = api.get("/api/v1/tokens").json()
    script = next(t for t in listed if t["label"] == "script")
    assert "token" not in script and script["revoked_at"] is None
    scripted = {"Authorization": f"Bearer {token}"}
    refused = httpx.delete(f"{server.url}/api/v1/tokens/{script['id']}", headers=scripted)
    assert refused.status_code == 403  # a contributor may not revoke
    revoked = api.delete(f"/api/v1/tokens/{script['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert _send(server, _form_events("b", ""), key=token).status_code == 401
    assert httpx.get(f"{server.url}/api/v1/kpis", headers=scripted).status_code == 401
    assert api.delete("/api/v1/tokens/9999").status_code == 404


def test_signal_to_insight_and_kpi_writes_over_http(server: Server) -> None:
    api = server.api()
    signal = api.post("/api/v1/signals", json={"kind": "observation", "text": "Users hesitate"})
    drafted = api.post(f"/api/v1/signals/{signal.json()['id']}/insight")
    assert drafted.status_code == 201
    body = drafted.json()
    assert (body["statement"], body["status"]) == ("Users hesitate", "draft")
    assert [(e["kind"], e["signal_id"]) for e in body["evidence"]] == [
        ("signal", signal.json()["id"])
    ]
    assert api.post("/api/v1/signals/999/insight").status_code == 404
    bad = api.post("/api/v1/kpis", json={"name": "f", "kind": "funnel_conversion", "events": ["a"]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["events"]
    good = {"name": "finish", "kind": "funnel_conversion", "events": ["a", "b"], "target": 0.5}
    created = api.post("/api/v1/kpis", json=good)
    assert created.status_code == 201, created.text
    launch = api.post(
        "/api/v1/launches", json={"name": "v2", "date": "2026-11-10", "kpis": ["finish"]}
    )
    assert launch.status_code == 201 and launch.json()["kpis"] == ["finish"]
    listed = api.get("/api/v1/kpis").json()
    assert [(k["name"], k["owner_team"], k["target"], k["launch"]) for k in listed] == [
        ("finish", "product", 0.5, "v2")
    ]
    assert api.post("/api/v1/kpis", json=good).status_code == 422  # the name is taken
    unknown = api.post("/api/v1/launches", json={"name": "v3", "kpis": ["nope"]})
    assert unknown.status_code == 422
    assert [x["name"] for x in api.get("/api/v1/launches").json()] == ["v2"]  # nothing half-written
