"""Lifecycle and stickiness on both stores, against statuses worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from launchloop.analytics.filters import EventSpec
from launchloop.analytics.lifecycle import ActivityQuery, lifecycle, stickiness
from launchloop.analytics.timeframe import DateRange
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

SPAN = DateRange(date(2026, 3, 2), date(2026, 3, 6))


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Who used the product on which day (days 2 to 6 are the range)."""
    days = {
        "p1": [1, 2, 3, 5],  # active the day before the range
        "p2": [3, 4],
        "anon-3": [4],
        "p3": [6],  # anon-3 merges into p3 later: first seen on the 4th
        "p4": [2, 3, 4, 5, 6],
    }
    events = [
        ev("use", person, f"2026-03-0{day}T12:00:00Z")
        for person, active in days.items()
        for day in active
    ]
    events.append(ev("use", "p4", "2026-03-06T13:00:00Z"))  # twice on one day: once
    events.append(ev("other", "p5", "2026-03-03T12:00:00Z"))
    write(event_store, events)
    write(event_store, [identify("p3", "anon-3", "2026-03-07T00:00:00Z")])
    return event_store


def test_lifecycle_statuses(store: EventStore) -> None:
    result = lifecycle(store, ActivityQuery(PROJECT, SPAN, EventSpec("use")))
    got = {b.start: (b.new, b.returning, b.resurrecting, b.dormant) for b in result.buckets}
    assert got == {
        datetime(2026, 3, 2): (1, 1, 0, 0),  # p4 new, p1 returning
        datetime(2026, 3, 3): (1, 2, 0, 0),  # p2 new, p1 p4 returning
        datetime(2026, 3, 4): (1, 2, 0, 1),  # p3 new (as anon-3), p2 p4 returning; p1 dormant
        datetime(2026, 3, 5): (0, 1, 1, 2),  # p4 returning, p1 resurrecting; p2 p3 dormant
        datetime(2026, 3, 6): (0, 1, 1, 1),  # p4 returning, p3 resurrecting; p1 dormant
    }


def test_stickiness(store: EventStore) -> None:
    result = stickiness(store, ActivityQuery(PROJECT, SPAN, EventSpec("use")))
    # days active in the range: p1 3, p2 2, p3 2 (4th and 6th), p4 5
    assert result.persons == (0, 2, 1, 0, 1)


def test_weekly_stickiness_and_empty_lifecycle(event_store: EventStore) -> None:
    empty = lifecycle(event_store, ActivityQuery(PROJECT, SPAN, EventSpec("use"), "week"))
    assert [(b.start, b.new, b.dormant) for b in empty.buckets] == [(datetime(2026, 3, 2), 0, 0)]
    assert stickiness(event_store, ActivityQuery(PROJECT, SPAN, EventSpec("use"))).persons == (
        0,
        0,
        0,
        0,
        0,
    )
