"""Over HTTP on a live server and from the command line: ``/analyze`` with guardrails, the
decision that records the learning, power from measured traffic, and bad input answered with
a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from typer.testing import CliRunner

from launchloop.cli import actions, app, experiments, knowledge  # noqa: F401
from launchloop.config import Settings
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.database import Database
from launchloop.knowledge.experiments import create_experiment, move_experiment
from launchloop.knowledge.models import Experiment
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime
from launchloop.stats.frequentist import t_test
from launchloop.stats.power import sample_size
from launchloop.stats.statistics import SampleMean
from tests.conftest import Server
from tests.test_knowledge_api import _insight
from tests.test_stats_experiment_api import ARMS, _event, arm_events, expected_treatment

runner = CliRunner()


def error_events(start: datetime, upto: datetime) -> list[dict[str, Any]]:
    """Errors after every exposure: control persons 1..14 one each, spinner 0..24 two each."""
    when = upto - (upto - start) / 800  # after the last exposure of arm_events
    events = [_event("error", f"control-{i}", when, {}) for i in range(1, 15)]
    for i in range(25):
        events += [
            _event("error", f"spinner-{i}", when + timedelta(microseconds=k), {}) for k in (1, 2)
        ]
    return events


def _kpi(api: httpx.Client, name: str, kind: str, event: str, direction: str) -> int:
    body = {"name": name, "kind": kind, "events": [event], "direction": direction}
    answer = api.post("/api/v1/kpis", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _action(api: httpx.Client, kpi_id: int) -> dict[str, Any]:
    insight = _insight(api)
    api.post(f"/api/v1/insights/{insight['id']}/validate")
    body = {
        "kind": "experiment",
        "title": "spinner",
        "insight_ids": [insight["id"]],
        "impact_kpi_id": kpi_id,
        "baseline": 0.3,
        "expected_change": 0.06,
    }
    answer = api.post("/api/v1/actions", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_analyze_guardrails_decision_learning_and_power(server: Server) -> None:
    api = server.api()
    buyers = _kpi(api, "buyers", "unique", "purchase", "up")
    errors = _kpi(api, "errors", "count", "error", "down")
    action = _action(api, buyers)
    body = {
        "action_id": action["id"],
        "name": "spinner",
        "variants": [{"name": "control"}, {"name": "spinner"}],
        "feature_flag": "checkout",
        "guardrail_kpi_ids": [errors, buyers],
    }
    experiment = api.post("/api/v1/experiments", json=body).json()
    base = f"/api/v1/experiments/{experiment['id']}"
    start = datetime.fromisoformat(api.post(f"{base}/start").json()["started_at"])
    upto = datetime.now(UTC)
    events = arm_events(start, upto, flag=True) + error_events(start, upto)
    sent = httpx.post(
        f"{server.url}/api/v1/events",
        json={"api_key": server.project.public_key, "events": events},
        timeout=30,
    )
    assert sent.json()["accepted"] == len(events)
    stopped = api.post(f"{base}/stop").json()

    analysed = api.post(f"{base}/analyze")
    assert analysed.status_code == 201, analysed.text
    snapshot = analysed.json()["snapshot"]
    fixed, _ = expected_treatment()
    assert snapshot["variants"][1]["frequentist"]["effect"] == fixed.effect
    harm, fine = snapshot["guardrails"]
    # Errors per person by hand (control-0 saw both variants: excluded).
    by_hand = t_test(SampleMean(29, 14.0, 14.0), SampleMean(30, 50.0, 100.0))
    assert harm["variants"][1]["frequentist"]["effect"] == by_hand.effect
    assert (harm["name"], harm["direction"], harm["harmed"]) == ("errors", "down", ["spinner"])
    assert (fine["name"], fine["harmed"]) == ("buyers", [])
    assert snapshot["guardrails_harmed"] == ["errors: spinner"]
    assert api.get(f"{base}/analysis").json()["id"] == analysed.json()["id"]  # the alias

    days = (
        datetime.fromisoformat(stopped["ended_at"]) - datetime.fromisoformat(stopped["started_at"])
    ).total_seconds() / 86_400
    power = api.post("/api/v1/experiments/power", json={"experiment_id": experiment["id"]})
    assert power.status_code == 200, power.text
    planned = power.json()
    assert planned["baseline"] == (ARMS[0][2] - 1) / (ARMS[0][1] - 1)
    assert planned["mde"] == 0.06 / 0.3
    assert abs(planned["daily_traffic"] - 59 / days) < 1e-9 * planned["daily_traffic"]
    expected = sample_size(8 / 29, 0.2, daily_traffic=planned["daily_traffic"])
    assert (planned["per_variant"], planned["days"]) == (expected.per_variant, expected.days)
    recent = api.post("/api/v1/experiments/power", json={"action_id": action["id"]}).json()
    assert recent["baseline"] == 24 / 60  # 60 persons active, 9 + 15 bought
    assert recent["daily_traffic"] == 60 / 28

    refused = api.post(f"{base}/decision", json={"decision": "ship", "reason": "r", "title": " "})
    assert refused.status_code == 422 and "title" in refused.text
    assert api.get(base).json()["status"] == "stopped"  # the decision was rolled back too
    decided = api.post(f"{base}/decision", json={"decision": "ship", "reason": "buyers up"})
    assert decided.status_code == 200, decided.text
    learning = decided.json()["learning"]
    assert decided.json()["status"] == "decided"
    assert learning["measured_change"] == fixed.effect
    assert learning["expected_change"] == 0.06 / 0.3
    assert f"interval {fixed.ci[0]:+.1%} to {fixed.ci[1]:+.1%}" in learning["context"]
    assert "Warning: guardrails moved the wrong way: errors: spinner." in learning["context"]
    assert [x["id"] for x in api.get("/api/v1/learnings").json()] == [learning["id"]]
    again = api.post(f"{base}/decision", json={"decision": "stop", "reason": "twice"})
    assert again.status_code == 422 and "decided experiment cannot be decided" in again.text


def test_bad_input_over_http_gets_a_reason(server: Server) -> None:
    api = server.api()
    buyers = _kpi(api, "buyers", "unique", "purchase", "up")
    action = _action(api, buyers)
    one = {"action_id": action["id"], "name": "e", "variants": [{"name": "a"}], "feature_flag": "f"}
    answer = api.post("/api/v1/experiments", json=one)
    assert answer.status_code == 422 and "at least 2" in answer.text
    two = one | {"variants": [{"name": "a"}, {"name": "b"}]}
    experiment = api.post("/api/v1/experiments", json=two).json()
    base = f"/api/v1/experiments/{experiment['id']}"
    api.post(f"{base}/start")
    empty = api.post(f"{base}/analyze")  # started, nobody exposed yet
    assert empty.status_code == 201, empty.text
    snapshot = empty.json()["snapshot"]
    assert snapshot["error"].startswith("not enough data: no person was exposed")
    assert snapshot["variants"][1]["frequentist"]["error"].startswith("not enough data")
    assert "NaN" not in empty.text and "Infinity" not in empty.text
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        row = session.get(Experiment, experiment["id"])
        assert row is not None and row.started_at is not None
        row.ended_at = row.started_at - timedelta(days=1)
    database.dispose()
    reversed_dates = api.post(f"{base}/analyze")
    assert reversed_dates.status_code == 422
    assert reversed_dates.json()["detail"][0]["loc"] == ["ended_at"]
    assert "ends before it starts" in reversed_dates.text
    for body, field in (
        ({"baseline": -0.2, "mde": 0.1}, "baseline"),
        ({"baseline": 0.2, "mde": 0.1, "daily_traffic": -5}, "daily_traffic"),
        ({"baseline": 3.0, "mde": 0.1, "variance": 0}, "variance"),
        ({"baseline": 0.2}, "mde"),
    ):
        power = api.post("/api/v1/experiments/power", json=body)
        assert power.status_code == 422, (body, power.text)
        assert power.json()["detail"][0]["loc"] == [field], power.text
    unknown = api.post(f"{base}/decision", json={"decision": "ship", "reason": "r", "variant": "z"})
    assert unknown.status_code == 422 and "one of the treatments: b" in unknown.text


def _json(settings: Settings, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--data-dir", str(settings.data_dir), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_power_and_decide_from_the_command_line(settings: Settings, project: NewProject) -> None:
    insight = _json(settings, "insight", "add", "Checkout is slow", "--quote", "so slow")
    _json(settings, "insight", "validate", str(insight["id"]))
    action = _json(
        settings,
        "action",
        "add",
        "Spinner",
        "--kind",
        "experiment",
        "--insight",
        str(insight["id"]),
    )
    start = datetime(2026, 2, 1, tzinfo=UTC)
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        caller = Caller(project.id, "admin", "ana")
        experiment = create_experiment(
            session,
            caller,
            action_id=action["id"],
            name="spinner",
            variants=[{"name": "control"}, {"name": "spinner"}],
            exposure_event="Checkout Exposed",
        )
        move_experiment(session, caller, experiment.id, "start", at=start)
        move_experiment(session, caller, experiment.id, "stop", at=start + timedelta(days=4))
        session.flush()
        experiment_id = str(experiment.id)
    database.dispose()
    runtime = open_runtime(settings)
    try:
        events = arm_events(start, start + timedelta(days=3), flag=False)
        runtime.store.write(prepare(events, project_id=project.id, max_event_bytes=100_000).batch)
    finally:
        runtime.close()
    power = _json(
        settings,
        "experiment",
        "power",
        "--experiment",
        experiment_id,
        "--mde",
        "0.1",
        "--event",
        "purchase",
    )
    assert power["baseline"] == 8 / 29 and power["daily_traffic"] == 59 / 4
    assert power["per_variant"] == sample_size(8 / 29, 0.1).per_variant
    override = _json(
        settings,
        "experiment",
        "power",
        "--experiment",
        experiment_id,
        "--mde",
        "0.1",
        "--event",
        "purchase",
        "--baseline",
        "0.5",
        "--daily-traffic",
        "100",
    )
    assert override["days"] == sample_size(0.5, 0.1, daily_traffic=100).days
    analysed = runner.invoke(
        app,
        [
            "experiment",
            "analyze",
            experiment_id,
            "--event",
            "purchase",
            "--data-dir",
            str(settings.data_dir),
        ],
    )
    assert analysed.exit_code == 0, analysed.output
    decided = _json(
        settings, "experiment", "decide", experiment_id, "--decision", "ship", "--reason", "won"
    )
    fixed, _ = expected_treatment()
    assert decided["status"] == "decided" and decided["measured_change"] == fixed.effect
    assert decided["expected_change"] is None  # the action states no expected change
    twice = runner.invoke(
        app,
        [
            "experiment",
            "decide",
            experiment_id,
            "--decision",
            "stop",
            "--reason",
            "x",
            "--data-dir",
            str(settings.data_dir),
        ],
    )
    assert twice.exit_code != 0 and "cannot be decided" in str(twice.exception)
