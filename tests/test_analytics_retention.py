"""Retention cohorts on both stores, against a cohort table worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from launchloop.analytics.filters import EventSpec, parse_filters
from launchloop.analytics.retention import RetentionQuery, retention
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

PARIS = DateRange(date(2026, 3, 28), date(2026, 3, 31), "Europe/Paris")


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Sign-ups and uses around the DST change in Paris (times in UTC)."""
    write(
        event_store,
        [
            ev("signup", "p1", "2026-03-28T09:00:00Z", plan="pro"),  # cohort 28th
            ev("use", "p1", "2026-03-28T10:00:00Z"),  # same period: not a return
            ev("use", "p1", "2026-03-29T22:30:00Z"),  # Paris 30th 00:30: period 2
            ev("signup", "anon-2", "2026-03-28T22:30:00Z"),  # Paris 28th 23:30: cohort 28th
            ev("use", "p2", "2026-03-28T23:30:00Z"),  # Paris 29th: period 1 once merged
            ev("signup", "p3", "2026-03-29T08:00:00Z"),  # cohort 29th
            ev("signup", "p3", "2026-03-30T08:00:00Z"),  # not a first occurrence
            ev("use", "p3", "2026-04-01T08:00:00Z"),  # after the range
            ev("signup", "p4", "2026-03-20T08:00:00Z"),  # first seen before the range
            ev("signup", "p4", "2026-03-29T08:00:00Z"),
            ev("use", "p4", "2026-03-30T08:00:00Z"),
        ],
    )
    write(event_store, [identify("p2", "anon-2", "2026-03-29T12:00:00Z")])
    return event_store


def test_daily_cohort_table(store: EventStore) -> None:
    query = RetentionQuery(PROJECT, PARIS, EventSpec("signup"), EventSpec("use"), "day", 3)
    result = retention(store, query)
    table = {cohort.start: cohort.returned for cohort in result.cohorts}
    assert table == {
        datetime(2026, 3, 28): (2, 1, 1, 0),
        datetime(2026, 3, 29): (1, 0, 0, None),
        datetime(2026, 3, 30): (0, 0, None, None),
        datetime(2026, 3, 31): (0, None, None, None),
    }
    first = result.cohorts[0]
    assert first.size == 2 and first.rates == (1.0, 0.5, 0.5, 0.0)


def test_weekly_cohorts_and_filters_on_the_start_event(store: EventStore) -> None:
    span = DateRange(date(2026, 3, 23), date(2026, 4, 5), "Europe/Paris")
    pro = EventSpec("signup", parse_filters([{"key": "plan", "value": "pro"}]))
    weekly = retention(store, RetentionQuery(PROJECT, span, pro, EventSpec("use"), "week", 1))
    assert [(c.start, c.returned) for c in weekly.cohorts] == [
        (datetime(2026, 3, 23), (1, 1)),  # p1 used it again in the week of the 30th
        (datetime(2026, 3, 30), (0, None)),
    ]
    anyone = retention(
        store, RetentionQuery(PROJECT, span, EventSpec("signup"), EventSpec("use"), "week", 1)
    )
    assert [c.returned for c in anyone.cohorts] == [(3, 2), (0, None)]


def test_empty_store_gives_empty_cohorts(event_store: EventStore) -> None:
    query = RetentionQuery(PROJECT, PARIS, EventSpec("signup"), EventSpec("use"), "day", 2)
    assert [c.returned for c in retention(event_store, query).cohorts] == [
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, None),
        (0, None, None),
    ]


def test_invalid_retention_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        RetentionQuery(PROJECT, PARIS, EventSpec("a"), EventSpec("b"), "day", 0)
    assert caught.value.field == "periods"
    with pytest.raises(InvalidInput) as caught:
        RetentionQuery(PROJECT, PARIS, EventSpec("a"), EventSpec("b"), "hour")
    assert caught.value.field == "interval"
