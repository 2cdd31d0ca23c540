"""Friction analytics on both stores, against numbers computed by hand from four sessions."""

from __future__ import annotations

from datetime import date

import pytest

from launchloop.analytics.friction import (
    FormAbandonment,
    FrictionQuery,
    FrictionSpot,
    form_abandonment,
    friction_hotspots,
    friction_summary,
)
from launchloop.analytics.kpis import Kpi, evaluate_kpi
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

DAY = DateRange(date(2026, 11, 10), date(2026, 11, 10))


def at(
    event: str, person: str, second: int, path: str, session: str | None, **props: object
) -> dict:
    """An event on ``path`` at 2026-11-10 10:00:<second> UTC."""
    props = {"$pathname": path, **props}
    if session:
        props["$session_id"] = session
    return ev(event, person, f"2026-11-10T10:00:{second:02d}", **props)


def friction_events() -> list[dict]:
    """s1: a slow sign-up page, 3 rage clicks, a form left; s2: a form sent, a dead click;
    s3: two TypeErrors, a rage click, slow web vitals; s4: a form left; u5: an error, no session."""
    return [
        at("$pageview", "u1", 0, "/signup", "s1", **{"$performance_page_loaded": 4500}),
        *(
            at("$rageclick", "u1", 1 + i, "/signup", "s1", **{"$selector": "button.submit"})
            for i in range(3)
        ),
        at("$autocapture", "u1", 5, "/signup", "s1", **{"$event_type": "change"}),
        at("$pageview", "u2", 10, "/signup", "s2", **{"$performance_page_loaded": 1200}),
        at("$autocapture", "u2", 11, "/signup", "s2", **{"$event_type": "change"}),
        at("$autocapture", "u2", 12, "/signup", "s2", **{"$event_type": "submit"}),
        at("$dead_click", "u2", 13, "/signup", "s2", **{"$selector": "div.logo"}),
        at("$pageview", "anon-3", 20, "/pricing", "s3"),
        at("$exception", "anon-3", 21, "/pricing", "s3", **{"$exception_type": "TypeError"}),
        identify("u3", "anon-3", "2026-11-10T10:00:22"),
        at("$exception", "u3", 23, "/pricing", "s3", **{"$exception_type": "TypeError"}),
        at("$rageclick", "u3", 24, "/pricing", "s3", **{"$selector": "button.buy"}),
        at("$web_vitals", "u3", 25, "/pricing", "s3", **{"$web_vitals_LCP_value": 4001}),
        at("$pageview", "u4", 30, "/home", "s4"),
        at("$form_start", "u4", 31, "/home", "s4"),
        at(
            "$exception",
            "u5",
            40,
            "/home",
            None,
            **{"$exception_message": "x is not defined", "$exception_type": "ReferenceError"},
        ),
        ev("$rageclick", "u1", "2026-11-11T10:00:00", **{"$session_id": "s9"}),  # the next day
    ]


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Both stores with the friction fixture, and a rage click of another project."""
    write(event_store, friction_events())
    write(event_store, [at("$rageclick", "x", 1, "/signup", "sx")], project_id=PROJECT + 1)
    return event_store


def test_summary_and_rates(store: EventStore) -> None:
    summary = friction_summary(store, FrictionQuery(PROJECT, DAY))
    assert summary.sessions == 4
    assert (summary.rage_clicks, summary.dead_clicks, summary.errors) == (4, 1, 3)
    assert (summary.slow_pages, summary.abandoned_forms) == (2, 2)
    assert summary.per_1000_sessions(summary.rage_clicks) == 1000.0
    assert summary.friction_rate == 2000.0


def test_summary_agrees_with_the_friction_kpi(store: EventStore) -> None:
    reading = evaluate_kpi(store, PROJECT, Kpi("friction", "friction_rate"), DAY)
    assert reading.value == friction_summary(store, FrictionQuery(PROJECT, DAY)).friction_rate


def test_slow_threshold_is_strict(store: EventStore) -> None:
    slow = [
        friction_summary(store, FrictionQuery(PROJECT, DAY, slow_ms=ms)).slow_pages
        for ms in (4000.5, 4001, 4500)
    ]
    assert slow == [2, 1, 0]


def test_hotspots_per_page_and_element(store: EventStore) -> None:
    assert friction_hotspots(store, FrictionQuery(PROJECT, DAY)) == (
        FrictionSpot("rage_click", "/signup", "button.submit", 3, 1, 1),
        FrictionSpot("error", "/pricing", "TypeError", 2, 1, 1),  # anon-3 and u3: one person
        FrictionSpot("dead_click", "/signup", "div.logo", 1, 1, 1),
        FrictionSpot("error", "/home", "ReferenceError", 1, 0, 1),
        FrictionSpot("rage_click", "/pricing", "button.buy", 1, 1, 1),
        FrictionSpot("slow_page", "/pricing", "$none", 1, 1, 1),
        FrictionSpot("slow_page", "/signup", "$none", 1, 1, 1),
    )
    assert len(friction_hotspots(store, FrictionQuery(PROJECT, DAY, limit=2))) == 2


def test_form_abandonment(store: EventStore) -> None:
    forms = form_abandonment(store, FrictionQuery(PROJECT, DAY))
    assert forms == (FormAbandonment("/home", 1, 1), FormAbandonment("/signup", 2, 1))
    assert [form.rate for form in forms] == [1.0, 0.5]


def test_empty_range(store: EventStore) -> None:
    empty = friction_summary(
        store, FrictionQuery(PROJECT, DateRange(date(2026, 1, 1), date(2026, 1, 1)))
    )
    assert (empty.sessions, empty.rage_clicks, empty.friction_rate) == (0, 0, None)


@pytest.mark.parametrize(
    ("field", "kwargs"), [("limit", {"limit": 0}), ("slow_ms", {"slow_ms": 0})]
)
def test_bad_input_names_the_field(field: str, kwargs: dict) -> None:
    with pytest.raises(InvalidInput) as error:
        FrictionQuery(PROJECT, DAY, **kwargs)
    assert error.value.field == field


def test_http_friction_panels(server) -> None:
    import httpx

    body = {"api_key": server.project.public_key, "events": friction_events()}
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    query = {"date_from": "2026-11-10", "date_to": "2026-11-10", "limit": 1}
    with server.api() as api:
        answer = api.post("/api/v1/query/friction", json=query)
        bad = api.post("/api/v1/query/friction", json={**query, "slow_ms": -1})
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["summary"]["friction_rate"] == 2000.0
    assert got["summary"]["per_1000_sessions"]["rage_clicks"] == 1000.0
    assert got["hotspots"] == [
        {
            "kind": "rage_click",
            "path": "/signup",
            "target": "button.submit",
            "events": 3,
            "sessions": 1,
            "persons": 1,
        }
    ]
    assert got["forms"] == [{"path": "/home", "started": 1, "abandoned": 1, "rate": 1.0}]
    assert bad.status_code == 422
