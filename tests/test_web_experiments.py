"""The experiment pages driven in-process with httpx: results per variant, the lift chart, SRM,
power, guardrails, run analysis, the decision form that records the learning, and bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.experiments import create_experiment, move_experiment
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Experiment
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime
from launchloop.stats.power import sample_size
from launchloop.web.app import create_app
from tests.test_stats_experiment_api import arm_events, expected_treatment
from tests.test_web_pages import sign_in
from tests.web_ui_fixtures import PASSWORD, Person, csrf_of, make_user

START = datetime(2026, 2, 1, tzinfo=UTC)
END = START + timedelta(days=4)


def _experiments(settings: Settings, project: NewProject) -> dict[str, int]:
    """The experiments of :func:`_experiments_in`, with their events written to the store."""
    made = _experiments_in(settings, project)
    runtime = open_runtime(settings)
    try:
        events = arm_events(START, START + timedelta(days=3), flag=False)
        runtime.store.write(prepare(events, project_id=project.id, max_event_bytes=100_000).batch)
    finally:
        runtime.close()
    return made


def _experiments_in(settings: Settings, project: NewProject) -> dict[str, int]:
    """An action with a baseline and expected change; experiments over the same exposures."""
    database = Database(settings.resolved_database_url)
    database.migrate()
    admin = Caller(project.id, "admin", "ana")
    made: dict[str, int] = {}
    with database.session() as session:
        insight = create_insight(session, admin, statement="Checkout is slow")
        add_evidence(session, admin, insight.id, kind="query", query={"event": "a"}, figure=0.3)
        validate_insight(session, admin, insight.id)
        kpi = create_kpi(
            session, admin, {"name": "buyers", "kind": "unique", "events": ["purchase"]}
        )
        action = create_action(
            session,
            admin,
            kind="experiment",
            title="Spinner",
            insight_ids=[insight.id],
            hypothesis="a spinner keeps buyers",
            impact_kpi_id=kpi.id,
            evaluation_date=date(2027, 1, 1),
            baseline=0.3,
            expected_change=0.06,
        )
        for name, exposure, weights in (
            ("spinner", "Checkout Exposed", (0.5, 0.5)),
            ("skewed", "Checkout Exposed", (0.95, 0.05)),
            ("nobody", "Nobody Exposed", (0.5, 0.5)),
        ):
            experiment = create_experiment(
                session,
                admin,
                action_id=action.id,
                name=name,
                variants=[
                    {"name": "control", "weight": weights[0]},
                    {"name": "spinner", "weight": weights[1]},
                ],
                exposure_event=exposure,
                guardrail_kpi_ids=[kpi.id],
            )
            move_experiment(session, admin, experiment.id, "start", at=START)
            move_experiment(session, admin, experiment.id, "stop", at=END)
            session.flush()
            made[name] = experiment.id
    database.dispose()
    return made


@pytest.fixture
def made(settings: Settings, project: NewProject) -> dict[str, int]:
    """The experiments, their events, and an admin and a viewer who sign in."""
    make_user(settings, project)
    make_user(settings, project, email="vi@example.com", name="Vi", role="viewer")
    make_user(settings, project, email="fr@example.com", name="Fr", language="fr")
    return _experiments(settings, project)


@pytest.fixture
def client(settings: Settings, made: dict[str, int]) -> Iterator[TestClient]:
    """The app in-process, not following redirects."""
    with TestClient(create_app(settings), follow_redirects=False) as opened:
        yield opened


def _as(client: TestClient, email: str) -> None:
    client.cookies.clear()
    assert sign_in(client, Person(email, PASSWORD, email)).status_code == 303


def _chart(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="lift-chart">(.*?)</script>', html, re.S)
    assert found, "no lift chart"
    return dict(json.loads(found.group(1)))


def test_run_analysis_then_decide_through_the_page(
    client: TestClient, made: dict[str, int], project: NewProject
) -> None:
    _as(client, "ana@example.com")
    base = f"/app/{project.id}/experiments"
    listing = client.get(base).text
    assert all(f'data-experiment="{i}"' in listing for i in made.values())
    url = f"{base}/{made['spinner']}"
    page = client.get(url).text
    assert "Not analysed yet" in page and 'id="run-analysis"' in page
    token = csrf_of(page)
    assert client.post(f"{url}/analyze").status_code == 403  # no CSRF token
    ran = client.post(f"{url}/analyze", data={"csrf_token": token})
    assert ran.status_code == 303 and ran.headers["location"] == url
    page = client.get(url).text
    fixed, bayes = expected_treatment()
    row = re.search(r'<tr data-variant="spinner">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[:3] == ["30", f"{15 / 30:.4g}", f"{fixed.effect:+.1%}"]
    assert cells[3] == f"[{fixed.ci[0]:+.1%}, {fixed.ci[1]:+.1%}]"
    assert cells[5] == f"{bayes.chance_to_win:.1%}"
    assert f"{bayes.risk[0]:+.1%} / {bayes.risk[1]:+.1%}" == cells[6]
    chart = _chart(page)
    assert chart["yAxis"]["data"] == ["spinner"]
    assert chart["series"][0]["data"] == [
        [round(fixed.ci[0] * 100, 6), 0],
        [round(fixed.ci[1] * 100, 6), 0],
    ]
    assert chart["series"][1]["data"] == [[round(fixed.effect * 100, 6), 0]]
    assert 'id="srm-warning"' not in page
    # Power at the action's change: 0.06 over its baseline 0.3, traffic 59 persons in 4 days.
    needed = sample_size(8 / 29, 0.2, daily_traffic=59 / 4)
    assert f"{needed.per_variant} persons per variant" in page
    assert (
        f"Days needed: {needed.days}; running for 4.0; remaining: {max(0, needed.days - 4)}" in page
    )
    assert "buyers (up)" in page and "no significant harm" in page

    refused = client.post(
        f"{url}/decision", data={"decision": "ship", "reason": " ", "csrf_token": token}
    )
    assert refused.status_code == 422 and "reason: must not be empty" in refused.text
    decided = client.post(
        f"{url}/decision",
        data={"decision": "ship", "reason": "buyers up", "generalize": "1", "csrf_token": token},
    )
    assert decided.status_code == 303
    page = client.get(url).text
    assert "Decided; learning #1 recorded." in page and 'id="run-analysis"' not in page
    assert f"spinner vs control, lift {fixed.effect:+.1%}" in page and "expected +20.0%" in page


def test_srm_warning_not_enough_data_and_refusals(
    client: TestClient, made: dict[str, int], project: NewProject, settings: Settings
) -> None:
    _as(client, "ana@example.com")
    base = f"/app/{project.id}/experiments"
    token = csrf_of(client.get(base).text)
    skewed = f"{base}/{made['skewed']}"
    client.post(f"{skewed}/analyze", data={"csrf_token": token})
    assert 'id="srm-warning"' in client.get(skewed).text
    stop = {"decision": "stop", "reason": "assignment is broken", "csrf_token": token}
    assert client.post(f"{skewed}/decision", data=stop).status_code == 303
    assert "Warning: sample ratio mismatch flagged." in client.get(skewed).text
    nobody = f"{base}/{made['nobody']}"
    client.post(f"{nobody}/analyze", data={"csrf_token": token})
    page = client.get(nobody).text
    assert "not enough data: no person was exposed" in page and 'id="lift-chart"' not in page
    assert "NaN" not in page
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        row = session.get(Experiment, made["nobody"])
        assert row is not None
        row.ended_at = START - timedelta(days=1)
    database.dispose()
    reversed_dates = client.post(f"{nobody}/analyze", data={"csrf_token": token})
    assert reversed_dates.status_code == 422 and "ends before it starts" in reversed_dates.text
    _as(client, "vi@example.com")
    viewer_token = csrf_of(client.get(base).text)
    spinner = f"{base}/{made['spinner']}"
    assert client.post(f"{spinner}/analyze", data={"csrf_token": viewer_token}).status_code == 403
    answer = client.post(
        f"{spinner}/decision", data={"decision": "ship", "reason": "r", "csrf_token": viewer_token}
    )
    assert answer.status_code == 403 and 'id="experiment-status">stopped<' in answer.text


def test_the_page_speaks_french(
    client: TestClient, made: dict[str, int], project: NewProject
) -> None:
    _as(client, "fr@example.com")
    page = client.get(f"/app/{project.id}/experiments/{made['spinner']}").text
    assert "Résultats par variante" in page and "Déployer" in page
