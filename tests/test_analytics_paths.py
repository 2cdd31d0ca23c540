"""Paths on both stores, against paths listed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from launchloop.analytics.filters import EventSpec
from launchloop.analytics.paths import PathCount, PathsQuery, paths
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

SPAN = DateRange(date(2026, 3, 2), date(2026, 3, 3))


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Three persons around a sign-up; one of them starts anonymous."""
    write(
        event_store,
        [
            ev("$pageview", "p1", "2026-03-02T10:00:00Z", path="/"),
            ev("$pageview", "p1", "2026-03-02T10:01:00Z", path="/pricing"),
            ev("signup", "p1", "2026-03-02T10:02:00Z"),
            ev("$pageview", "p1", "2026-03-02T10:03:00Z", path="/welcome"),
            ev("invite", "p1", "2026-03-02T10:04:00Z"),
            ev("signup", "p1", "2026-03-02T11:00:00Z"),  # not the first: ignored
            ev("$pageview", "anon-2", "2026-03-02T10:01:00Z", path="/pricing"),
            ev("signup", "p2", "2026-03-02T10:02:00Z"),
            ev("$pageview", "p2", "2026-03-02T10:03:00Z", path="/welcome"),
            ev("invite", "p2", "2026-03-02T10:04:00Z"),
            ev("signup", "p3", "2026-03-02T12:00:00Z"),
            ev("$pageview", "p4", "2026-03-02T12:00:00Z", path="/"),
        ],
    )
    write(event_store, [identify("p2", "anon-2", "2026-03-02T13:00:00Z")])
    return event_store


def test_next_events_after_the_first_occurrence(store: EventStore) -> None:
    result = paths(store, PathsQuery(PROJECT, SPAN, EventSpec("signup"), steps=2))
    assert result.paths == (
        PathCount(("$pageview", "invite"), 2),
        PathCount((), 1),  # p3 did nothing after signing up
    )


def test_previous_pages_before_an_event(store: EventStore) -> None:
    query = PathsQuery(PROJECT, SPAN, EventSpec("signup"), "before", 2, "page")
    assert paths(store, query).paths == (
        PathCount((), 1),  # ties by path: "" < "/" + U+001F + "/pricing" < "/pricing"
        PathCount(("/", "/pricing"), 1),
        PathCount(("/pricing",), 1),  # p2, merged with anon-2 later
    )


def test_next_pages_and_limit(store: EventStore) -> None:
    query = PathsQuery(PROJECT, SPAN, EventSpec("signup"), "after", 1, "page", limit=1)
    assert paths(store, query).paths == (PathCount(("/welcome",), 2),)


def test_invalid_paths_name_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        PathsQuery(PROJECT, SPAN, EventSpec("signup"), steps=0)
    assert caught.value.field == "steps"
    with pytest.raises(InvalidInput) as caught:
        PathsQuery(PROJECT, SPAN, EventSpec("signup"), direction="sideways")  # type: ignore[arg-type]
    assert caught.value.field == "direction"
