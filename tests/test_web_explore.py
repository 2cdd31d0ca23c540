"""The explore page through the app (httpx): trend, funnel, retention and paths as chart and
table, field-named errors, and the query kept as an insight's evidence or as a dashboard KPI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from launchloop.analytics.saved import run_saved_query
from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.insights import create_insight
from launchloop.knowledge.models import Evidence, Kpi
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.web.app import create_app
from tests.analytics_events import ev, write
from tests.web_ui_fixtures import Person, csrf_of, make_user

RANGE = {"date_from": "2026-03-01", "date_to": "2026-03-07"}


def events() -> list[dict]:
    """Four persons: three sign up (two on the 2nd), two of them activate; p4 only activates."""
    return [
        ev("signup", "p1", "2026-03-02T10:00:00", plan="pro"),
        ev("activated", "p1", "2026-03-02T11:00:00", plan="pro"),
        ev("signup", "p2", "2026-03-02T12:00:00", plan="free"),
        ev("signup", "p3", "2026-03-03T09:00:00", plan="pro"),
        ev("activated", "p3", "2026-03-03T09:30:00", plan="pro"),
        ev("activated", "p4", "2026-03-03T10:00:00", plan="free"),
    ]


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process with the events above in its store, signed in as an admin."""
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as made:
        write(made.app.state.runtime.store, events(), project_id=project.id)
        sign_in(made, person)
        yield made


def sign_in(client: TestClient, person: Person) -> None:
    """Sign in through the form, as a browser does."""
    token = csrf_of(client.get("/sign-in").text)
    form = {"email": person.email, "password": person.password, "csrf_token": token}
    assert client.post("/sign-in", data=form).status_code == 303


def table(html: str) -> list[list[str]]:
    """The cells of the explore table, row by row."""
    body = html.split('class="explore-table"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    return [
        [unescape(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def explore(client: TestClient, project: NewProject, **fields: str) -> str:
    """The explore page for ``fields`` (with the test range), checked to answer 200."""
    answer = client.get(f"/app/{project.id}/explore", params=RANGE | fields)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_a_trend_by_day_with_a_filter_and_a_breakdown(
    client: TestClient, project: NewProject
) -> None:
    rows = table(explore(client, project, kind="trend", events="signup"))
    assert len(rows) == 7  # one row per day of the range
    assert rows[1] == ["2026-03-02", "2"] and rows[2] == ["2026-03-03", "1"]
    assert sum(int(r[1]) for r in rows) == 3
    rows = table(explore(client, project, kind="trend", events="signup", filters="plan = pro"))
    assert [r[1] for r in rows[1:3]] == ["1", "1"]
    page = explore(client, project, kind="trend", events="signup", breakdown="plan")
    header = re.findall(r'<th scope="col">(.*?)</th>', page.split('class="explore-table"')[1])
    by_plan = dict(zip(header[1:], zip(*[r[1:] for r in table(page)], strict=True), strict=True))
    assert by_plan["pro"][1:3] == ("1", "1") and by_plan["free"][1:3] == ("1", "0")
    persons = table(explore(client, project, kind="trend", events="activated", math="unique"))
    assert [r[1] for r in persons[1:3]] == ["1", "2"]


def test_a_funnel_a_retention_and_paths(client: TestClient, project: NewProject) -> None:
    page = explore(client, project, kind="funnel", events="signup, activated")
    rows = table(page)
    assert rows[0][1:5] == ["1", "signup", "3", "1"]  # p1, p2, p3 entered; p2 dropped
    assert rows[1][1:4] == ["2", "activated", "2"] and rows[1][5] == "66.7 %"
    chart = re.search(r'<script type="application/json" id="explore-chart">(.*?)</script>', page)
    assert chart is not None
    option = json.loads(chart.group(1))
    assert option["series"][0]["data"] == [2, 2]  # went on at each step
    cohorts = table(
        explore(client, project, kind="retention", events="signup, activated", interval="week")
    )
    assert [c[:3] for c in cohorts if c[1] != "0"] == [["2026-03-02", "3", "100.0 %"]]
    steps = table(explore(client, project, kind="paths", events="signup"))
    assert steps == [["signup → activated", "2"], ["signup", "1"]]  # p2 did nothing after


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "funnel", "events": "signup"}, "events"),
        ({"kind": "trend", "events": ""}, "events"),
        ({"kind": "trend", "events": "signup", "date_from": "yesterday"}, "date_from"),
        ({"kind": "trend", "events": "signup", "filters": "plan"}, "filters"),
        ({"kind": "trend", "events": "signup", "filters": "plan > cheap"}, "filters[0].value"),
        ({"kind": "pie", "events": "signup"}, "kind"),
        ({"kind": "trend", "events": "signup", "date_to": "2026-02-01"}, "date_to"),
    ],
)
def test_bad_input_names_its_field_in_the_form(
    client: TestClient, project: NewProject, fields: dict[str, str], field: str
) -> None:
    answer = client.get(f"/app/{project.id}/explore", params=RANGE | fields)
    assert answer.status_code == 422
    assert f'data-field="{field}"' in answer.text and 'id="explore-form"' in answer.text
    partial = client.get(
        f"/app/{project.id}/explore", params=RANGE | fields, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200  # HTMX swaps 2xx only: the error shows in place
    assert f'data-field="{field}"' in partial.text and "<html" not in partial.text


def test_save_as_evidence_keeps_the_query_and_its_figure(
    client: TestClient, project: NewProject, settings: Settings
) -> None:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        caller = Caller(project.id, "admin", "Ana")
        insight_id = create_insight(session, caller, statement="Pro plans activate").id
    page = explore(client, project, kind="funnel", events="signup, activated")
    form = {"insight_id": str(insight_id), "csrf_token": csrf_of(page), "note": "week 1"}
    form |= RANGE | {"kind": "funnel", "events": "signup, activated"}
    answer = client.post(f"/app/{project.id}/explore/evidence", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/{project.id}/insights/{insight_id}"
    with database.session() as session:
        piece = session.query(Evidence).filter_by(insight_id=insight_id).one()
        spec, figure, label = piece.query, piece.figure, piece.figure_label
    database.dispose()
    assert spec["kind"] == "funnel" and spec["steps"] == ["signup", "activated"]
    assert figure == pytest.approx(2 / 3) and label == "funnel conversion"
    again = run_saved_query(client.app.state.runtime.store, project.id, spec)
    assert again.value == pytest.approx(figure)  # what re-validation re-runs


def test_save_as_evidence_refusals_come_back_in_the_form(
    client: TestClient, project: NewProject
) -> None:
    page = explore(client, project, kind="paths", events="signup")
    token = csrf_of(page)
    form = RANGE | {"kind": "paths", "events": "signup", "insight_id": "1", "csrf_token": token}
    refused = client.post(f"/app/{project.id}/explore/evidence", data=form)
    assert refused.status_code == 422 and 'data-field="kind"' in refused.text
    form |= {"kind": "trend", "insight_id": ""}
    refused = client.post(f"/app/{project.id}/explore/evidence", data=form)
    assert refused.status_code == 422 and 'data-field="insight_id"' in refused.text
    form.pop("csrf_token")
    assert client.post(f"/app/{project.id}/explore/evidence", data=form).status_code == 403


def test_a_viewer_explores_but_cannot_keep_a_kpi(
    client: TestClient, project: NewProject, settings: Settings
) -> None:
    viewer = make_user(settings, project, email="vic@example.com", name="Vic", role="viewer")
    with TestClient(client.app, follow_redirects=False) as other:
        sign_in(other, viewer)
        page = explore(other, project, kind="trend", events="signup")
        form = RANGE | {"kind": "trend", "events": "signup", "name": "Signups"}
        answer = other.post(
            f"/app/{project.id}/explore/kpi", data=form | {"csrf_token": csrf_of(page)}
        )
    assert answer.status_code == 403 and 'data-field="role"' in answer.text


def test_save_as_kpi_puts_it_on_the_dashboard(
    client: TestClient, project: NewProject, settings: Settings
) -> None:
    page = explore(client, project, kind="funnel", events="signup, activated")
    form = RANGE | {"kind": "funnel", "events": "signup, activated", "csrf_token": csrf_of(page)}
    form |= {"name": "Activation", "target": "0,5", "direction": "up", "owner_team": "product"}
    answer = client.post(f"/app/{project.id}/explore/kpi", data=form)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/dashboard")
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        kpi = session.query(Kpi).filter_by(project_id=project.id, name="Activation").one()
        assert (kpi.kind, kpi.target) == ("funnel_conversion", 0.5)
        assert kpi.definition["events"] == ["signup", "activated"]
    database.dispose()
    dashboard = client.get(f"/app/{project.id}/dashboard", params=RANGE)
    assert 'data-kpi="Activation"' in dashboard.text
    again = client.post(f"/app/{project.id}/explore/kpi", data=form)
    assert again.status_code == 422 and 'data-field="name"' in again.text
