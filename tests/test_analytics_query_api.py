"""The analytics routes and CLI commands, on a live server and a real data dir."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from launchloop.config import Settings
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.projects import NewProject
from launchloop.runtime import open_runtime
from tests.analytics_events import ev
from tests.conftest import Server

RANGE = {"date_from": "2026-03-02", "date_to": "2026-03-04"}


def fixture_events() -> list[dict[str, Any]]:
    """p1 and p2 sign up and activate; p3 only signs up; p1 comes back the next day."""
    return [
        ev("signup", "p1", "2026-03-02T10:00:00Z", plan="pro"),
        ev("activate", "p1", "2026-03-02T10:10:00Z"),
        ev("signup", "p2", "2026-03-02T11:00:00Z", plan="free"),
        ev("activate", "p2", "2026-03-02T11:30:00Z"),
        ev("signup", "p3", "2026-03-03T09:00:00Z"),
        ev("activate", "p1", "2026-03-03T09:00:00Z"),
    ]


@pytest.fixture
def loaded(server: Server) -> Server:
    """The server, with the fixture sent through the native capture endpoint."""
    body = {"api_key": server.project.public_key, "events": fixture_events()}
    assert httpx.post(f"{server.url}/api/v1/events", json=body, timeout=30).status_code == 200
    return server


def post(server: Server, kind: str, body: dict[str, Any]) -> httpx.Response:
    """POST a query with the secret token."""
    with server.api() as api:
        return api.post(f"/api/v1/query/{kind}", json={**RANGE, **body})


def test_trends_route(loaded: Server) -> None:
    answer = post(loaded, "trends", {"event": "signup", "math": "unique", "compare": True})
    assert answer.status_code == 200, answer.text
    current = answer.json()["current"]
    assert current["buckets"] == [
        "2026-03-02T00:00:00",
        "2026-03-03T00:00:00",
        "2026-03-04T00:00:00",
    ]
    assert current["lines"][0]["values"] == [2, 1, 0]
    assert answer.json()["previous"]["lines"][0]["values"] == [0, 0, 0]


def test_funnel_route_with_dropped_persons(loaded: Server) -> None:
    body = {
        "steps": [{"event": "signup"}, {"event": "activate"}],
        "window_seconds": 3600,
        "dropped_step": 1,
    }
    answer = post(loaded, "funnel", body)
    assert answer.status_code == 200, answer.text
    steps = answer.json()["result"]["steps"]
    assert [s["entered"] for s in steps] == [3, 2]
    assert steps[1]["median_seconds"] == 1200.0  # 600 s and 1800 s
    assert answer.json()["dropped_persons"] == ["p3"]


def test_other_routes(loaded: Server) -> None:
    cohorts = post(
        loaded,
        "retention",
        {
            "start": {"event": "signup"},
            "returning": {"event": "activate"},
            "interval": "day",
            "periods": 1,
        },
    ).json()["cohorts"]
    assert [c["returned"] for c in cohorts] == [[2, 1], [1, 0], [0, None]]
    buckets = post(loaded, "lifecycle", {"event": {"event": "activate"}}).json()["buckets"]
    assert [(b["new"], b["returning"], b["dormant"]) for b in buckets] == [
        (2, 0, 0),
        (0, 1, 1),
        (0, 0, 1),
    ]
    assert post(loaded, "stickiness", {"event": {"event": "activate"}}).json()["persons"] == [
        1,
        1,
        0,
    ]
    found = post(loaded, "paths", {"anchor": {"event": "signup"}, "steps": 1}).json()["paths"]
    assert found == [{"items": ["activate"], "persons": 2}, {"items": [], "persons": 1}]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("funnel", {"steps": [{"event": "a"}]}, "steps"),
        ("funnel", {"steps": [{"event": str(i)} for i in range(11)]}, "steps"),
        (
            "funnel",
            {"steps": [{"event": "a"}, {"event": "b"}], "window_seconds": 0},
            "window_seconds",
        ),
        (
            "funnel",
            {
                "steps": [
                    {"event": "a"},
                    {"event": "b", "filters": [{"key": 'x") OR 1=1 --', "value": "1"}]},
                ]
            },
            "steps[1].filters[0].key",
        ),
        ("funnel", {"steps": [{"event": "a"}, {"event": "b"}], "dropped_step": 2}, "step"),
        (
            "trends",
            {"event": "a", "filters": [{"key": "n", "operator": ">", "value": "x"}]},
            "filters[0].value",
        ),
        ("trends", {"event": "a", "interval": "minute"}, "interval"),
        ("trends", {"event": "a", "math": "sum"}, "math_property"),
        ("trends", {"event": "a", "time_zone": "Mars/Olympus"}, "time_zone"),
        (
            "trends",
            {"event": "a", "breakdown": {"key": "password", "type": "column"}},
            "breakdown.key",
        ),
        ("retention", {"start": {"event": "a"}, "returning": {"event": ""}}, "returning.event"),
        ("paths", {"anchor": {"event": "a"}, "steps": 0}, "steps"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    server: Server, kind: str, body: dict[str, Any], field: str
) -> None:
    answer = post(server, kind, body)
    assert answer.status_code == 422, answer.text
    locations = [".".join(str(part) for part in item["loc"]) for item in answer.json()["detail"]]
    assert any(location.endswith(field) or field in location for location in locations), locations


def test_queries_need_the_secret_token(server: Server) -> None:
    plain = httpx.post(f"{server.url}/api/v1/query/trends", json=RANGE, timeout=30)
    assert plain.status_code == 401
    public = httpx.post(
        f"{server.url}/api/v1/query/trends",
        json=RANGE,
        timeout=30,
        headers={"Authorization": f"Bearer {server.project.public_key}"},
    )
    assert public.status_code == 401


def test_cli_query_commands(settings: Settings, project: NewProject) -> None:
    from launchloop.cli import app
    from launchloop.cli import query as _registered  # noqa: F401

    runtime = open_runtime(settings)
    try:
        prepared = prepare(fixture_events(), project_id=project.id, max_event_bytes=100_000)
        runtime.writer.write_sync(prepared.batch)
    finally:
        runtime.close()
    common = ["--from", "2026-03-02", "--to", "2026-03-04", "--data-dir", str(settings.data_dir)]
    runner = CliRunner()
    funnel = runner.invoke(
        app, ["query", "funnel", "signup", "activate", "--window", "3600", *common, "--json"]
    )
    assert funnel.exit_code == 0, funnel.output
    assert [s["entered"] for s in orjson.loads(funnel.output)["steps"]] == [3, 2]
    trend = runner.invoke(
        app, ["query", "trends", "signup", "--breakdown", "plan", *common, "--json"]
    )
    lines = orjson.loads(trend.output)["current"]["lines"]
    assert {line["breakdown_value"]: line["values"] for line in lines} == {
        "free": [1, 0, 0],
        "pro": [1, 0, 0],
        None: [0, 1, 0],
    }
    table = runner.invoke(
        app,
        [
            "query",
            "retention",
            "signup",
            "activate",
            "--interval",
            "day",
            "--periods",
            "1",
            *common,
        ],
    )
    assert table.exit_code == 0 and "2026-03-02" in table.output
    for args in (["paths", "signup"], ["lifecycle", "activate"]):
        assert runner.invoke(app, ["query", *args, *common]).exit_code == 0
    bad = runner.invoke(app, ["query", "funnel", "signup", *common])
    assert bad.exit_code != 0
