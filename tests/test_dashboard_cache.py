"""The dashboard's cache: stale answers served while a background refresh recomputes them."""

from __future__ import annotations

import threading
import time
from functools import partial

from fastapi.testclient import TestClient

from launchloop.analytics.source import data_version
from launchloop.config import Settings
from launchloop.knowledge.projects import NewProject
from launchloop.store.base import EventStore
from launchloop.web.app import create_app
from launchloop.web.ui.query_cache import QueryCache
from tests.analytics_events import PROJECT, ev, write
from tests.web_ui_fixtures import Person, csrf_of, make_user


def _signups(store: EventStore) -> int:
    return len(store.query("SELECT uuid FROM events WHERE event = 'signed_up'"))


def test_stale_answers_are_served_and_refreshed_when_the_data_changed(
    event_store: EventStore,
) -> None:
    now = [1_000.0]
    version = partial(data_version, event_store)
    cache = QueryCache(ttl=60, clock=lambda: now[0], serve_stale=True, keep=600, version=version)
    write(event_store, [ev("signed_up", "u1", "2026-11-10T09:00:00")])
    key = (PROJECT, "signups")
    assert cache.get(key, lambda: _signups(event_store)) == 1
    write(event_store, [ev("signed_up", "u2", "2026-11-10T10:00:00")])
    now[0] += 61
    assert cache.get(key, lambda: _signups(event_store)) == 1  # stale, served at once
    assert cache.refresh_stale() == 1  # the background refresh: the data changed
    assert cache.get(key, lambda: -1) == 2
    now[0] += 61
    assert cache.refresh_stale() == 0  # nothing new: marked fresh, no query
    assert cache.get(key, lambda: -1) == 2
    now[0] += 600  # nobody asked for it within ``keep``: dropped, not refreshed
    assert cache.refresh_stale() == 0
    assert cache.get(key, lambda: _signups(event_store)) == 2
    assert cache.get((PROJECT + 1, "signups"), lambda: 0) == 0  # projects are apart


def test_without_a_refresher_a_stale_answer_is_recomputed_by_the_request() -> None:
    now = [0.0]
    cache = QueryCache(ttl=60, clock=lambda: now[0])
    assert cache.get((1, "q"), lambda: "first") == "first"
    now[0] = 60.0
    assert cache.get((1, "q"), lambda: "second") == "second"


def test_a_failed_refresh_keeps_the_previous_answer() -> None:
    now, versions = [0.0], iter(range(100))
    cache = QueryCache(
        ttl=60, clock=lambda: now[0], serve_stale=True, version=lambda _: next(versions)
    )
    calls = []

    def compute() -> str:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("store unavailable")
        return "answer"

    assert cache.get((1, "q"), compute) == "answer"
    now[0] = 61.0
    assert cache.refresh_stale() == 0 and len(calls) == 2
    assert cache.get((1, "q"), compute) == "answer"


def test_concurrent_requests_for_a_missing_key_run_its_query_once() -> None:
    cache = QueryCache(serve_stale=True)
    started, release, calls = threading.Event(), threading.Event(), []

    def compute() -> int:
        calls.append(1)
        started.set()
        release.wait(10)
        return 42

    answers: list[int] = []
    first = threading.Thread(target=lambda: answers.append(cache.get((1, "q"), compute)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: answers.append(cache.get((1, "q"), compute)))
    second.start()
    time.sleep(0.2)  # the second request is waiting on the first one's query
    release.set()
    first.join(10)
    second.join(10)
    assert answers == [42, 42] and len(calls) == 1


def test_the_server_warms_the_default_dashboard_at_start(
    settings: Settings, project: NewProject
) -> None:
    person: Person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        cache: QueryCache = client.app.state.ui_cache  # type: ignore[attr-defined]
        deadline = time.monotonic() + 30
        while (project.id, "friction") not in {key[:2] for key in list(cache._entries)}:
            assert time.monotonic() < deadline, "the default dashboard was not warmed"
            time.sleep(0.05)  # friction is the last part the dashboard reads
        before = dict(cache._entries)
        token = csrf_of(client.get("/sign-in").text)
        client.post(
            "/sign-in",
            data={"email": person.email, "password": person.password, "csrf_token": token},
        )
        assert client.get(f"/app/{project.id}/dashboard").status_code == 200
        assert cache._entries == before  # the page read the warmed answers and ran no query
