"""``POST/GET /api/v1/experiments/{id}/analysis`` on a live server and ``launchloop experiment``."""

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
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime
from launchloop.stats.bayesian import bayesian_test
from launchloop.stats.frequentist import t_test
from launchloop.stats.statistics import Proportion
from tests.conftest import Server
from tests.test_knowledge_api import _insight

runner = CliRunner()
#: (variant, persons, of whom converted)
ARMS = (("control", 30, 9), ("spinner", 30, 15))


def arm_events(start: datetime, upto: datetime, *, flag: bool) -> list[dict[str, Any]]:
    """Exposures (PostHog flag calls or our own) and purchases between ``start`` and ``upto``."""
    step = (upto - start) / 200
    moments = (start + step * (i + 1) for i in range(199))
    events: list[dict[str, Any]] = []
    for arm, persons, converted in ARMS:
        for i in range(persons):
            who = f"{arm}-{i}"
            props = (
                {"$feature_flag": "checkout", "$feature_flag_response": arm}
                if flag
                else {"variant": arm}
            )
            name = "$feature_flag_called" if flag else "Checkout Exposed"
            events.append(_event(name, who, next(moments), props))
            if i < converted:
                events.append(_event("purchase", who, next(moments), {}))
    both = (
        {"variant": "spinner"}
        if not flag
        else {"$feature_flag": "checkout", "$feature_flag_response": "spinner"}
    )
    events.append(_event(events[0]["event"], "control-0", next(moments), both))
    return events


def _event(name: str, who: str, when: datetime, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": name,
        "distinct_id": who,
        "uuid": f"{name}-{who}-{when.timestamp()}",
        "timestamp": when.isoformat(),
        "properties": props,
    }


def expected_treatment() -> tuple[Any, Any]:
    """The statistics computed from the arms by hand (control-0 excluded: saw both)."""
    control = Proportion(ARMS[0][1] - 1, ARMS[0][2] - 1)
    treated = Proportion(ARMS[1][1], ARMS[1][2])
    return t_test(control, treated), bayesian_test(control, treated)


def test_analysis_over_http(server: Server) -> None:
    api = server.api()
    insight = _insight(api)
    api.post(f"/api/v1/insights/{insight['id']}/validate")
    action = api.post(
        "/api/v1/actions",
        json={"kind": "experiment", "title": "spinner", "insight_ids": [insight["id"]]},
    ).json()
    kpi = api.post(
        "/api/v1/kpis", json={"name": "buyers", "kind": "unique", "events": ["purchase"]}
    )
    assert kpi.status_code == 201, kpi.text
    variants = [{"name": "control"}, {"name": "spinner"}]
    body = {
        "action_id": action["id"],
        "name": "e",
        "variants": variants,
        "feature_flag": "checkout",
        "primary_kpi_id": kpi.json()["id"],
    }
    experiment = api.post("/api/v1/experiments", json=body).json()
    url = f"/api/v1/experiments/{experiment['id']}/analysis"
    refused = api.post(url)  # no body: every setting has a default
    assert refused.status_code == 422 and "has not started" in refused.text, refused.text
    assert api.get(url).status_code == 404  # no analysis yet
    started = api.post(f"/api/v1/experiments/{experiment['id']}/start").json()["started_at"]
    start = datetime.fromisoformat(started)
    events = arm_events(start, datetime.now(UTC), flag=True)
    sent = httpx.post(
        f"{server.url}/api/v1/events",
        json={"api_key": server.project.public_key, "events": events},
        timeout=30,
    )
    assert sent.json()["accepted"] == len(events)
    assert api.post(url, json={"metric": {"kind": "sum", "event": "purchase"}}).status_code == 422
    posted = api.post(url, json={"metric": {"kind": "conversion", "event": "purchase"}})
    assert posted.status_code == 201, posted.text
    snapshot = posted.json()["snapshot"]
    fixed, bayes = expected_treatment()
    treatment = snapshot["variants"][1]
    assert treatment["frequentist"]["effect"] == fixed.effect
    assert treatment["frequentist"]["p_value"] == fixed.p_value
    assert treatment["bayesian"]["chance_to_win"] == bayes.chance_to_win
    assert snapshot["multiple_exposures"] == 1
    assert [t["n"] for t in snapshot["inputs"]["totals"]] == [29, 30]
    latest = api.get(url).json()
    assert latest["id"] == posted.json()["id"] and latest["method"] == "fixed-horizon+bayesian"
    by_kpi = api.post(url, json={"sequential": True})  # the metric of the primary KPI
    assert by_kpi.status_code == 201, by_kpi.text
    again = by_kpi.json()["snapshot"]
    assert again["metric"] == {"kind": "conversion", "event": "purchase", "property": None}
    assert again["variants"][1]["frequentist"]["effect"] == fixed.effect
    assert by_kpi.json()["method"] == "sequential+bayesian"


def _json(settings: Settings, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--data-dir", str(settings.data_dir), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_experiment_analyze_from_the_command_line(settings: Settings, project: NewProject) -> None:
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
            variants=[{"name": "control", "weight": 0.5}, {"name": "spinner", "weight": 0.5}],
            exposure_event="Checkout Exposed",
        )
        move_experiment(session, caller, experiment.id, "start", at=start)
        session.flush()
        experiment_id = experiment.id
    database.dispose()
    runtime = open_runtime(settings)
    try:
        batch = prepare(
            arm_events(start, start + timedelta(days=3), flag=False),
            project_id=project.id,
            max_event_bytes=100_000,
        ).batch
        runtime.store.write(batch)
    finally:
        runtime.close()
    out = _json(settings, "experiment", "analyze", str(experiment_id), "--event", "purchase")
    fixed, _ = expected_treatment()
    assert out["variants"][1]["frequentist"]["ci"] == list(fixed.ci)
    assert out["srm"]["flagged"] is False and out["multiple_exposures"] == 1
    text = runner.invoke(
        app,
        [
            "experiment",
            "analyze",
            str(experiment_id),
            "--event",
            "purchase",
            "--data-dir",
            str(settings.data_dir),
            "--sequential",
        ],
    )
    assert text.exit_code == 0 and "spinner" in text.output
    power = runner.invoke(
        app, ["experiment", "power", "--baseline", "0.1", "--mde", "0.2", "--daily-traffic", "0"]
    )
    assert power.exit_code != 0
