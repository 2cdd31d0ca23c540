"""Irritants linked to behaviour: active and paying persons, funnel drops, pages mentioned.

One scenario on both event stores, with answers counted by hand: a 3-step funnel where three
authors of the submit theme dropped at step 2 (two of them on plan "pro", one merged from an
anonymous id), one went through, one has no events at all; the export theme's author dropped
at step 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import launchloop.cli.feedback  # noqa: F401  (registers the commands)
from launchloop.analytics.catalog import Catalog
from launchloop.analytics.funnels import FunnelStep
from launchloop.analytics.kpis import Kpi
from launchloop.cli import app as cli_app
from launchloop.config import load_settings
from launchloop.feedback.behaviour import FunnelLink, PayingRule, StepDrop, mentioned_paths
from launchloop.feedback.irritants import rank_irritants
from launchloop.feedback.items import add_items
from launchloop.feedback.themes import refresh_themes
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import sync_declarations
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.store.base import EventStore
from launchloop.web.app import create_app
from tests.analytics_events import ev, identify, write
from tests.web_ui_fixtures import csrf_of, make_user

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
STEPS = ("signup_viewed", "form_filled", "submitted")
FUNNEL = FunnelLink("signup", tuple(FunnelStep(event) for event in STEPS), 86_400)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    with database.session() as session:
        project_id = create_project(session, name="Irritants").id
    yield database, project_id
    database.dispose()


def _at(now: datetime, days: int, minutes: int = 0) -> str:
    return (now - timedelta(days=days) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


def _journey(now: datetime, who: str, steps: int, plan: str | None) -> list[Any]:
    """``who`` goes through the first ``steps`` steps, 5 days before ``now``."""
    pages = ("/signup", "/form", "/form/done")
    events = [
        ev(STEPS[i], who, _at(now, 5, i), **{"$current_url": f"https://app.test{pages[i]}"})
        for i in range(steps)
    ]
    if plan is not None:
        events[0]["properties"]["$set"] = {"plan": plan}
    return events


def _events(now: datetime) -> list[Any]:
    return [
        *_journey(now, "u1", 2, "pro"),
        *_journey(now, "u2", 2, "Pro "),
        identify("u3", "anon-3", _at(now, 6)),
        *_journey(now, "u3", 2, "free"),
        *_journey(now, "u4", 3, None),
        *_journey(now, "u6", 1, "enterprise"),
        *_journey(now, "u7", 2, "pro"),  # dropped at step 2 too, but wrote nothing
        ev("$pageview", "u6", _at(now, 4), **{"$current_url": "https://app.test/export"}),
        # Before the period: no activity, no page known.
        ev("$pageview", "u5", _at(now, 24), **{"$current_url": "https://app.test/old"}),
    ]


def _items(now: datetime = NOW) -> list[dict[str, Any]]:
    day = timedelta(days=1)
    submit = [
        ("The submit button does nothing when I click it", "u1", "/form"),
        ("I clicked submit and got no confirmation at all", "u2", None),
        ("Quand je clique sur le bouton valider, rien ne se passe", "anon-3", None),
        ("Submit gives no feedback on /signup, nothing happens", "u4", None),
        ("Clicking the submit button shows nothing, it is broken", "u5", None),
    ]
    rows = [
        {"kind": "support_ticket", "text": text, "author": author, "page": page,
         "time": (now - (i + 1) * day).isoformat()}
        for i, (text, author, page) in enumerate(submit)
    ]  # fmt: skip
    rows.append(
        {"kind": "in_app", "text": "Please add an export of my reports to Excel",
         "author": "u6", "time": (now - day).isoformat()}
    )  # fmt: skip
    rows.append(
        {"kind": "in_app", "text": "Can I export my reports as a CSV file?",
         "author": "u6", "time": (now - 2 * day).isoformat()}
    )  # fmt: skip
    return rows


def _ranked(database: Database, project_id: int, store: EventStore | None, **options: Any) -> Any:
    with database.session() as session:
        return rank_irritants(
            session, project_id=project_id, period=WEEK, now=NOW, store=store, **options
        )


def test_irritants_count_active_paying_and_dropped_authors(
    db: tuple[Database, int], event_store: EventStore
) -> None:
    database, project_id = db
    write(event_store, _events(NOW), project_id)
    with database.session() as session:
        report = add_items(session, project_id=project_id, rows=_items())
        assert not report.bad_rows
        refresh_themes(session, project_id=project_id, count=2)
    submit, export = _ranked(database, project_id, event_store, funnel=FUNNEL)
    assert (submit.volume, submit.persons, submit.active, submit.paying) == (5, 5, 4, 2)
    assert submit.funnel == "signup"
    assert submit.drops == [StepDrop(1, "signup_viewed", 0), StepDrop(2, "form_filled", 3)]
    assert submit.pages == ["/form"]
    assert submit.mentioned_pages == ["/form", "/signup"]
    assert (export.volume, export.persons, export.active, export.paying) == (2, 1, 1, 1)
    assert export.drops == [StepDrop(1, "signup_viewed", 1), StepDrop(2, "form_filled", 0)]
    assert export.mentioned_pages == ["/export"]


def test_paying_rule_and_no_store_or_funnel(
    db: tuple[Database, int], event_store: EventStore
) -> None:
    database, project_id = db
    write(event_store, _events(NOW), project_id)
    with database.session() as session:
        add_items(session, project_id=project_id, rows=_items())
        refresh_themes(session, project_id=project_id, count=2)
    # "free" is paying once only "trial" is free: u1, u2 and u3.
    rule = PayingRule(free=frozenset({"trial"}))
    submit = _ranked(database, project_id, event_store, paying=rule)[0]
    assert (submit.paying, submit.funnel, submit.drops) == (3, None, [])
    blind = _ranked(database, project_id, None, funnel=FUNNEL)[0]
    assert (blind.persons, blind.active, blind.paying, blind.drops) == (5, None, None, [])
    assert blind.mentioned_pages == []  # no events: no known page


@pytest.mark.parametrize(
    ("properties", "pays"),
    [
        ({"plan": "pro"}, True),
        ({"plan": " FREE "}, False),
        ({"plan": ""}, False),
        ({"plan": None}, False),
        ({}, False),
        ({"plan": False}, False),
        ({"plan": 3}, True),
    ],
)
def test_paying_rule(properties: dict[str, Any], pays: bool) -> None:
    assert PayingRule().pays(properties) is pays


def test_mentioned_paths_by_field_path_and_word() -> None:
    known = ["/", "/billing/plans", "/export", "/form", "/a/faq"]
    texts = ["Broken on /billing/plans?tab=1 again", "the export is slow", "see the faq"]
    assert mentioned_paths(texts, ["FORM/"], known) == ["/billing/plans", "/export", "/form"]
    assert mentioned_paths(["nothing here"], [], known) == []


def test_api_page_and_cli_show_the_behaviour(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    settings = load_settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        project: NewProject = create_project(session, name="Atelier")
        session.flush()
        funnel = Kpi("signup", "funnel_conversion", events=STEPS, window_days=1)
        sync_declarations(session, project.id, Catalog(kpis=(funnel,)))
        add_items(session, project_id=project.id, rows=_items(now))
        refresh_themes(session, project_id=project.id, count=2)
    database.dispose()
    person = make_user(settings, project)
    bearer = {"Authorization": f"Bearer {project.secret_token}"}
    with TestClient(create_app(settings), follow_redirects=False) as client:
        write(client.app.state.runtime.store, _events(now), project.id)  # type: ignore[attr-defined]
        themes = client.get("/api/v1/feedback/themes", params={"period": "7d"}, headers=bearer)
        unknown = client.get("/api/v1/feedback/themes", params={"funnel": "nope"}, headers=bearer)
        token = csrf_of(client.get("/sign-in").text)
        client.post("/sign-in", data={"email": person.email, "password": person.password,
                                      "csrf_token": token})  # fmt: skip
        page = client.get(f"/app/{project.id}/themes", params={"period": "7d"})
    assert themes.status_code == 200, themes.text
    submit = themes.json()[0]
    assert (submit["volume"], submit["active"], submit["paying"]) == (5, 4, 2)
    assert submit["funnel"] == "signup" and submit["drops"][1] == {
        "step": 2, "name": "form_filled", "persons": 3
    }  # fmt: skip
    assert submit["mentioned_pages"] == ["/form", "/signup"]
    assert unknown.status_code == 404
    assert page.status_code == 200
    assert "4 active, 2 paying" in page.text and "3 after “form_filled”" in page.text
    common = ["--data-dir", str(settings.data_dir), "--json"]
    answer = CliRunner().invoke(cli_app, ["feedback", "themes", "--funnel", "signup", *common])
    assert answer.exit_code == 0, answer.output
    ranked = orjson.loads(answer.output)
    assert [(t["persons"], t["active"], t["paying"]) for t in ranked] == [(5, 4, 2), (1, 1, 1)]
    assert [d["persons"] for d in ranked[1]["drops"]] == [1, 0]
