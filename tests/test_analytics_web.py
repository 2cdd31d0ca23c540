"""Web analytics on both stores, against numbers computed by hand from four sessions."""

from __future__ import annotations

from datetime import date

import pytest

from launchloop.analytics.filters import parse_filters
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.web import (
    ChannelConversion,
    PageStat,
    SessionGroup,
    WebQuery,
    channel_conversion,
    session_pages,
    top_pages,
    traffic_sources,
    web_overview,
)
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

DAY = DateRange(date(2026, 11, 10), date(2026, 11, 10))
SITE = "https://shop.example"


def view(person: str, time: str, path: str, session: str | None, **extra: str) -> dict:
    """A page view of ``SITE + path`` at 2026-11-10 ``time`` UTC."""
    props = {"$current_url": SITE + path, **extra}
    if session:
        props["$session_id"] = session
    return ev("$pageview", person, f"2026-11-10T{time}", **props)


def traffic() -> list[dict]:
    """s1: two views, 120 s; s2: one view + leave (bounce), 30 s; s3: a view, a click and a
    sign-up after an identify, 120 s; s4: one view (bounce), 0 s; u5: a view without session."""
    google = {"$referrer": "https://www.google.com/search?q=shop"}
    return [
        ev("signed_up", "u1", "2026-11-10T09:00:00"),  # before u1's first view: not activated
        view("u1", "10:00:00", "/home", "s1", **google),
        view("u1", "10:01:00", "/pricing", "s1"),
        ev("$pageleave", "u1", "2026-11-10T10:02:00", **{"$session_id": "s1"}),
        view("u2", "11:00:00", "/home?utm_source=news&utm_medium=email", "s2"),
        ev("$pageleave", "u2", "2026-11-10T11:00:30", **{"$session_id": "s2"}),
        view(
            "anon-3",
            "12:00:00",
            "/blog",
            "s3",
            **{"$referrer": "https://News.YCombinator.com/item?id=1", "utm_source": "hn"},
        ),
        ev("$autocapture", "anon-3", "2026-11-10T12:00:10", **{"$session_id": "s3"}),
        identify("u3", "anon-3", "2026-11-10T12:01:00"),
        ev("signed_up", "u3", "2026-11-10T12:02:00", **{"$session_id": "s3"}),
        view("u1", "15:00:00", "/pricing", "s4", **{"$referrer": "https://www.google.com/"}),
        view("u5", "16:00:00", "/home", None),
        # the next day: outside the range
        ev(
            "$pageview",
            "u9",
            "2026-11-11T10:00:00",
            **{"$session_id": "s9", "$current_url": SITE + "/home"},
        ),
    ]


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Both stores with the traffic, and a page view of another project."""
    write(event_store, traffic())
    write(event_store, [view("x", "10:00:00", "/home", "sx")], project_id=PROJECT + 1)
    return event_store


def test_overview(store: EventStore) -> None:
    overview = web_overview(store, WebQuery(PROJECT, DAY))
    assert (overview.visitors, overview.page_views, overview.sessions) == (4, 6, 4)
    assert overview.bounced_sessions == 2
    assert overview.bounce_rate == 0.5
    assert overview.mean_session_seconds == pytest.approx((120 + 30 + 120 + 0) / 4)
    assert overview.median_session_seconds == pytest.approx((30 + 120) / 2)


def test_overview_of_an_empty_range(store: EventStore) -> None:
    empty = web_overview(store, WebQuery(PROJECT, DateRange(date(2026, 1, 1), date(2026, 1, 2))))
    assert (empty.visitors, empty.page_views, empty.sessions, empty.bounce_rate) == (0, 0, 0, None)
    assert (empty.mean_session_seconds, empty.median_session_seconds) == (None, None)


def test_top_pages(store: EventStore) -> None:
    assert top_pages(store, WebQuery(PROJECT, DAY)) == (
        PageStat("/home", 3, 3),
        PageStat("/pricing", 2, 1),
        PageStat("/blog", 1, 1),
    )
    assert top_pages(store, WebQuery(PROJECT, DAY, limit=1)) == (PageStat("/home", 3, 3),)


def test_top_pages_with_a_filter(store: EventStore) -> None:
    filters = parse_filters(
        [{"key": "path", "type": "column", "operator": "=", "value": "/pricing"}]
    )
    assert top_pages(store, WebQuery(PROJECT, DAY, filters)) == (PageStat("/pricing", 2, 1),)


def test_entry_and_exit_pages(store: EventStore) -> None:
    query = WebQuery(PROJECT, DAY)
    assert session_pages(store, query, "entry") == (
        SessionGroup("/home", 2, 2),
        SessionGroup("/blog", 1, 1),
        SessionGroup("/pricing", 1, 1),
    )
    assert session_pages(store, query, "exit") == (
        SessionGroup("/pricing", 2, 1),
        SessionGroup("/blog", 1, 1),
        SessionGroup("/home", 1, 1),
    )


def test_referrers_and_utm(store: EventStore) -> None:
    query = WebQuery(PROJECT, DAY)
    assert traffic_sources(store, query, "referrer") == (
        SessionGroup("www.google.com", 2, 1),
        SessionGroup("$direct", 1, 1),
        SessionGroup("news.ycombinator.com", 1, 1),
    )
    assert traffic_sources(store, query, "utm_source") == (
        SessionGroup("$none", 2, 1),
        SessionGroup("hn", 1, 1),
        SessionGroup("news", 1, 1),
    )
    assert traffic_sources(store, query, "utm_medium")[0] == SessionGroup("$none", 3, 2)


def test_activation_conversion_per_channel(store: EventStore) -> None:
    rows = channel_conversion(store, WebQuery(PROJECT, DAY), "utm_source", "signed_up")
    assert rows == (
        ChannelConversion("$none", 2, 0),  # u1 signed up before their first view; u5 never
        ChannelConversion("hn", 1, 1),  # anon-3, merged into u3 who signed up
        ChannelConversion("news", 1, 0),
    )
    assert [row.conversion for row in rows] == [0.0, 1.0, 0.0]


def test_bad_input_names_the_field(store: EventStore) -> None:
    with pytest.raises(InvalidInput) as error:
        traffic_sources(store, WebQuery(PROJECT, DAY), "utm_content")  # type: ignore[arg-type]
    assert error.value.field == "channel"
    with pytest.raises(InvalidInput) as error:
        WebQuery(PROJECT, DAY, limit=0)
    assert error.value.field == "limit"
    with pytest.raises(InvalidInput) as error:
        session_pages(store, WebQuery(PROJECT, DAY), "middle")  # type: ignore[arg-type]
    assert error.value.field == "page"


def test_http_web_panels(server) -> None:
    import httpx

    body = {"api_key": server.project.public_key, "events": traffic()}
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    query = {"date_from": "2026-11-10", "date_to": "2026-11-10", "activation": "signed_up"}
    with server.api() as api:
        answer = api.post("/api/v1/query/web", json=query)
        bad = api.post("/api/v1/query/web", json={**query, "channel": "utm_content"})
        filtered = api.post(
            "/api/v1/query/web",
            json={**query, "filters": [{"key": "path", "type": "column", "value": "/blog"}]},
        )
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["overview"]["visitors"] == 4 and got["overview"]["bounce_rate"] == 0.5
    assert got["top_pages"][0] == {"path": "/home", "views": 3, "visitors": 3}
    assert got["referrers"][0] == {"value": "www.google.com", "sessions": 2, "visitors": 1}
    assert got["channels"][1] == {"value": "hn", "visitors": 1, "activated": 1, "conversion": 1.0}
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "channel"
    assert [p["path"] for p in filtered.json()["top_pages"]] == ["/blog"]


def test_cli_query_web_and_friction(settings, project) -> None:
    import json
    import os
    import subprocess
    import sys

    from launchloop.store.base import open_store

    store = open_store(settings.resolved_events_url)
    write(store, traffic(), project_id=project.id)
    store.close()
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(settings.data_dir)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "launchloop", "query", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    answer = cli("web", "--days", "1", "--to", "2026-11-10", "--activation", "signed_up", "--json")
    assert answer.returncode == 0, answer.stderr
    got = json.loads(answer.stdout)
    assert (got["overview"]["sessions"], got["bounce_rate"]) == (4, 0.5)
    assert got["channels"][1] == {"value": "hn", "visitors": 1, "activated": 1}
    shown = cli("friction", "--days", "1", "--to", "2026-11-10")
    assert shown.returncode == 0 and "sessions 4" in shown.stdout
    bad = cli("web", "--filters", "[{", "--to", "2026-11-10")
    assert bad.returncode == 2 and "--filters" in bad.stderr
