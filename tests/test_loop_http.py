"""The loop over HTTP (a server on loopback), in the web app's pages, and on the command line
(issue 9): feeds, subscriptions, notifications, the weekly reading and its decisions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from launchloop.cli import app as cli_app
from launchloop.cli import register_commands
from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject
from launchloop.web.app import create_app
from tests.conftest import Server
from tests.loop_receivers import http_receiver
from tests.loop_seed import Seed, seed
from tests.web_ui_fixtures import csrf_of, make_user


def _seed(settings: Settings, project_id: int) -> Seed:
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        made = seed(session, project_id)
    database.dispose()
    return made


def test_feed_subscriptions_and_notifications_over_http(server: Server) -> None:
    s = _seed(server.settings, server.project.id)
    with server.api() as api, http_receiver([502]) as receiver:
        feed = api.get(f"/api/v1/teams/{s.teams['tech']}/feed").json()
        assert [i["id"] for i in feed["items"]["evaluation_due"]] == [s.actions["a1"]]
        assert [i["id"] for i in feed["items"]["signal"]] == [s.signals["s3"]]
        assert api.get("/api/v1/teams/99999/feed").status_code == 404
        made = api.post("/api/v1/subscriptions", json={"subject": "kpi:signups",
                                                        "team_id": s.teams["tech"]})  # fmt: skip
        assert made.status_code == 201
        bad = api.post("/api/v1/subscriptions", json={"subject": "team:x", "team_id": 1})
        assert bad.status_code == 422
        feed = api.get(f"/api/v1/teams/{s.teams['tech']}/feed").json()
        assert {i["id"] for i in feed["items"]["signal"]} == {s.signals["s2"], s.signals["s3"]}
        preference = {"channel": "webhook", "address": receiver.url, "cadence": "immediate",
                      "secret": "k"}  # fmt: skip
        put = api.put(f"/api/v1/members/{s.members['alice']}/notifications", json=preference)
        assert put.status_code == 200 and "secret" not in put.json()
        [sent] = api.post("/api/v1/notifications/immediate").json()
        assert (sent["status"], sent["attempts"]) == ("delivered", 2)
        assert api.get("/api/v1/notifications/deliveries").json()[0]["id"] == sent["id"]
        assert len(api.get("/api/v1/notifications/preferences").json()) == 1
        assert api.delete(f"/api/v1/subscriptions/{made.json()['id']}").status_code == 204
    assert len(receiver.requests) == 2


def test_weekly_reading_and_decisions_over_http(server: Server) -> None:
    s = _seed(server.settings, server.project.id)
    with server.api() as api:
        agenda = api.get("/api/v1/rituals/weekly").json()
        assert [k["name"] for k in agenda["kpis"]] == [
            "checkout_errors",
            "signups",
        ]
        assert [i["item_id"] for i in agenda["evaluations"]] == [s.actions["a1"]]
        decision = {"ritual": "weekly", "text": "Fix first", "held_on": agenda["end"],
                    "cites": [f"insight:{s.insights['i3']}"]}  # fmt: skip
        assert api.post("/api/v1/rituals/decisions", json=decision).status_code == 201
        markdown = api.get("/api/v1/rituals/weekly", params={"format": "markdown"}).text
        assert "## Decisions\n\n- Fix first" in markdown
        html = api.get("/api/v1/rituals/weekly", params={"format": "html", "launch": "checkout-v2"})
        assert html.headers["content-type"].startswith("text/html") and "<svg" in html.text
        assert api.get("/api/v1/rituals/weekly", params={"launch": "nope"}).status_code == 404
        assert [d["text"] for d in api.get("/api/v1/rituals/decisions").json()] == ["Fix first"]
        fortnightly = api.get("/api/v1/rituals/fortnightly").json()
        assert [c["action_id"] for c in fortnightly["candidates"]] == [
            s.actions["a1"],
            s.actions["a2"],
        ]
        health = api.get("/api/v1/health/loop").json()
        assert (health["validated_insights"], health["past_review"]) == (2, 0)  # i3, i4
        [month] = health["months"]  # the decision of this week; no insight cites a signal
        edges = {(e["source"], e["target"], e["count"]) for e in health["flow"]["edges"]}
        assert edges == {("unassigned", "tech", 1), ("unassigned", "product", 1)}
        assert (month["decisions"], month["decisions_citing_knowledge"]) == (1, 1)


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process, signed in as an admin of the project."""
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as made:
        token = csrf_of(made.get("/sign-in").text)
        made.post("/sign-in", data={"email": person.email, "password": person.password,
                                    "csrf_token": token})  # fmt: skip
        yield made


def test_team_feed_and_weekly_pages(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    s = _seed(settings, project.id)
    first = client.get(f"/app/{project.id}/feed")
    assert first.status_code == 303
    page = client.get(f"/app/{project.id}/teams/{s.teams['support']}/feed")
    assert page.status_code == 200
    assert "Refund questions" in page.text and "Step 2 dropped" in page.text
    assert "Errors at payment" not in page.text  # tech's, not support's
    weekly = client.get(f"/app/{project.id}/rituals/weekly")
    assert weekly.status_code == 200 and "checkout_errors" in weekly.text
    answer = client.post(
        f"/app/{project.id}/rituals/weekly/decisions",
        data={"csrf_token": csrf_of(weekly.text), "text": "Ship <the> fix",
              "held_on": weekly.text.split('name="held_on" value="')[1][:10], "cites": ""},
    )  # fmt: skip
    assert answer.status_code == 303
    again = client.get(f"/app/{project.id}/rituals/weekly").text
    assert "Ship &lt;the&gt; fix" in again
    assert "Ship <the> fix" in client.get(f"/app/{project.id}/rituals/weekly.md").text
    french = client.get(f"/app/{project.id}/rituals/weekly", headers={"accept-language": "fr"})
    assert french.status_code == 200


def test_feed_and_weekly_on_the_command_line(
    settings: Settings, project: NewProject, tmp_path: Path
) -> None:
    s = _seed(settings, project.id)
    register_commands()
    runner = CliRunner()
    data = ["--data-dir", str(settings.data_dir)]
    done = runner.invoke(cli_app, ["feed", "marketing", "--json", *data])
    assert done.exit_code == 0, done.output
    assert [i["id"] for i in json.loads(done.output)["items"]["insight"]] == [s.insights["i3"]]
    out = tmp_path / "report.html"
    done = runner.invoke(cli_app, ["ritual", "weekly", "--launch", "checkout-v2", "--out", str(out),
                                   *data])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Weekly KPI reading — checkout-v2" in out.read_text()
    cite = f"insight:{s.insights['i3']}"
    done = runner.invoke(cli_app, ["ritual", "decide", "Stop the ads", "--cite", cite, *data])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli_app, ["ritual", "weekly", *data])
    assert "- Stop the ads (decision" in done.output
    done = runner.invoke(cli_app, ["health", "--json", *data])
    assert json.loads(done.output)["months"][0]["decisions"] == 1
    done = runner.invoke(cli_app, ["feed", "finance", *data])
    assert done.exit_code != 0


def test_notification_settings_and_loop_health_pages(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    _seed(settings, project.id)
    page = client.get(f"/app/{project.id}/notifications")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "channel": "slack", "cadence": "weekly",
            "address": "https://hooks.example.test/T1"}  # fmt: skip
    assert client.post(f"/app/{project.id}/notifications", data=form).status_code == 303
    again = client.get(f"/app/{project.id}/notifications").text
    assert "https://hooks.example.test/T1" in again and "weekly digest" in again
    refused = form | {"channel": "webhook"}  # no secret: refused, said on the page
    client.post(f"/app/{project.id}/notifications", data=refused)
    assert "needs a secret to sign" in client.get(f"/app/{project.id}/notifications").text
    health = client.get(f"/app/{project.id}/health")
    assert health.status_code == 200
    assert "0 of 2 validated insights are past their review date." in health.text
    # i3 and i4 are validated by ada (in no team); a1 (tech) and a2 (product) stand on i3.
    assert "1 of 2 insights and 0 of 0 learnings are cited at least once." in health.text
    assert "<td>unassigned</td><td>acts on</td><td>tech</td><td>1</td>" in health.text
