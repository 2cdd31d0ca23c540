"""Trends on both stores, against counts worked out by hand (Europe/Paris, across the DST change).

Paris moves to summer time on Sunday 2026-03-29 at 02:00 (01:00 UTC): that local day lasts 23
hours, from 2026-03-28T23:00Z to 2026-03-29T22:00Z.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from launchloop.analytics.filters import PropertyRef, parse_filters
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.trends import OTHER, TrendsQuery, trends
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

PARIS = DateRange(date(2026, 3, 28), date(2026, 4, 1), "Europe/Paris")


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Both stores with the fixture; anon-3 is merged into u1 after its event."""
    write(
        event_store,
        [
            ev("view", "u1", "2026-03-28T22:59:59Z", amount=10),  # Paris 28th 23:59:59
            ev("view", "u1", "2026-03-28T23:00:00Z", amount="7"),  # Paris 29th 00:00
            ev("view", "u2", "2026-03-29T21:59:59Z", amount="abc"),  # Paris 29th 23:59:59
            ev("view", "u2", "2026-03-29T22:00:00Z", plan="a"),  # Paris 30th 00:00
            ev("view", "anon-3", "2026-04-01T10:00:00Z", plan="a", **{"$browser": "Chrome"}),
            ev("view", "u1", "2026-03-25T10:00:00Z"),  # previous period
            ev("view", "u9", "2026-04-02T10:00:00Z"),  # after the range
            ev("click", "u1", "2026-03-30T10:00:00Z"),
        ],
    )
    write(event_store, [identify("u1", "anon-3", "2026-04-01T11:00:00Z")])
    write(event_store, [ev("view", "x", "2026-03-30T10:00:00Z")], project_id=PROJECT + 1)
    return event_store


def values(store: EventStore, **options: object) -> tuple[float, ...]:
    """The values of the single line of a trend of ``view`` over PARIS."""
    result = trends(store, TrendsQuery(PROJECT, PARIS, **{"event": "view", **options}))  # type: ignore[arg-type]
    (line,) = result.current.lines
    return line.values


def test_day_buckets_follow_the_local_calendar_across_dst(store: EventStore) -> None:
    result = trends(store, TrendsQuery(PROJECT, PARIS, "view"))
    days = [datetime(2026, 3, d) for d in (28, 29, 30, 31)]
    assert result.current.buckets == (*days, datetime(2026, 4, 1))
    assert result.current.lines[0].values == (1, 2, 1, 0, 1)  # the 31st is empty: 0
    assert result.previous is None


def test_unique_persons_resolve_merges_made_later(store: EventStore) -> None:
    assert values(store, math="unique") == (1, 2, 1, 0, 1)
    total = trends(
        store,
        TrendsQuery(
            PROJECT, DateRange(date(2026, 3, 28), date(2026, 4, 1)), "view", "month", "unique"
        ),
    )
    # UTC months: March has u1 and u2; April has anon-3, who is u1 now
    assert total.current.lines[0].values == (2, 1)


def test_sum_and_average_of_a_numeric_property(store: EventStore) -> None:
    amount = PropertyRef("amount")
    assert values(store, math="sum", math_property=amount) == (10, 7, 0, 0, 0)
    utc = DateRange(date(2026, 3, 28), date(2026, 3, 29), "UTC")
    result = trends(store, TrendsQuery(PROJECT, utc, "view", "week", "avg", amount))
    assert result.current.lines[0].values == (8.5,)  # "abc" is not a number; "7" is


def test_hour_buckets_skip_the_missing_hour(store: EventStore) -> None:
    span = DateRange(date(2026, 3, 29), date(2026, 3, 29), "Europe/Paris")
    result = trends(store, TrendsQuery(PROJECT, span, "view", "hour"))
    assert len(result.current.buckets) == 23
    assert datetime(2026, 3, 29, 2) not in result.current.buckets
    assert result.current.buckets[2] == datetime(2026, 3, 29, 3)
    by_hour = dict(zip(result.current.buckets, result.current.lines[0].values, strict=True))
    assert by_hour[datetime(2026, 3, 29, 0)] == 1 and by_hour[datetime(2026, 3, 29, 23)] == 1
    assert sum(by_hour.values()) == 2


def test_week_buckets_start_on_monday(store: EventStore) -> None:
    result = trends(store, TrendsQuery(PROJECT, PARIS, "view", "week"))
    assert result.current.buckets == (datetime(2026, 3, 23), datetime(2026, 3, 30))
    assert result.current.lines[0].values == (3, 2)


def test_breakdown_keeps_top_n_and_folds_the_rest(event_store: EventStore) -> None:
    plans = ["a", "a", "a", "b", "b", "c", None]
    write(
        event_store,
        [
            ev("buy", f"p{i}", "2026-03-30T10:00:00Z", **({"plan": plan} if plan else {}))
            for i, plan in enumerate(plans)
        ],
    )
    query = TrendsQuery(PROJECT, PARIS, "buy", breakdown=PropertyRef("plan"), breakdown_limit=2)
    lines = {line.breakdown_value: line.values for line in trends(event_store, query).current.lines}
    assert lines == {
        "a": (0, 0, 3, 0, 0),
        "b": (0, 0, 2, 0, 0),
        OTHER: (0, 0, 1, 0, 0),
        None: (0, 0, 1, 0, 0),
    }


def test_breakdown_by_person_property(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("$set", "u1", "2026-03-28T08:00:00Z", **{"$set": {"plan": "pro"}}),
            ev("view", "u1", "2026-03-29T08:00:00Z"),
            ev("view", "u2", "2026-03-29T08:00:00Z"),
        ],
    )
    query = TrendsQuery(PROJECT, PARIS, "view", breakdown=PropertyRef("plan", "person"))
    lines = {line.breakdown_value: line.total for line in trends(event_store, query).current.lines}
    assert lines == {"pro": 1, None: 1}


def test_compare_with_the_previous_period(store: EventStore) -> None:
    result = trends(store, TrendsQuery(PROJECT, PARIS, "view", compare=True))
    assert result.previous is not None
    assert result.previous.span == DateRange(date(2026, 3, 23), date(2026, 3, 27), "Europe/Paris")
    assert result.previous.lines[0].values == (0, 0, 1, 0, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"key": "plan", "value": "a"}, (0, 0, 1, 0, 1)),
        ({"key": "plan", "operator": "!=", "value": "a"}, (1, 2, 0, 0, 0)),
        ({"key": "plan", "operator": "is_set"}, (0, 0, 1, 0, 1)),
        ({"key": "plan", "operator": "not_set"}, (1, 2, 0, 0, 0)),
        ({"key": "amount", "operator": ">", "value": 8}, (1, 0, 0, 0, 0)),
        ({"key": "amount", "operator": "<", "value": "8"}, (0, 1, 0, 0, 0)),
        ({"key": "amount", "operator": "regex", "value": "^[a-z]+$"}, (0, 1, 0, 0, 0)),
        (
            {"key": "browser", "type": "column", "operator": "contains", "value": "chr"},
            (0, 0, 0, 0, 1),
        ),
        ({"key": "plan", "value": "a' OR '1'='1"}, (0, 0, 0, 0, 0)),
    ],
)
def test_filters(store: EventStore, raw: dict, expected: tuple[float, ...]) -> None:
    assert values(store, filters=parse_filters([raw])) == expected


def test_injection_attempts_are_data(event_store: EventStore) -> None:
    nasty = "x'); DROP TABLE events; --"
    write(event_store, [ev("view", "u1", "2026-03-29T10:00:00Z", **{"odd key": nasty})])
    found = values(event_store, filters=parse_filters([{"key": "odd key", "value": nasty}]))
    assert found == (0, 1, 0, 0, 0)
    with pytest.raises(InvalidInput):
        parse_filters([{"key": 'odd" key', "value": nasty}])
    assert event_store.count_events(PROJECT) == 1


def test_empty_range_is_all_zeros(event_store: EventStore) -> None:
    result = trends(event_store, TrendsQuery(PROJECT, PARIS, "view"))
    assert [line.values for line in result.current.lines] == [(0, 0, 0, 0, 0)]


def test_invalid_queries_name_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        TrendsQuery(PROJECT, PARIS, "view", math="sum")
    assert caught.value.field == "math_property"
    with pytest.raises(InvalidInput) as caught:
        TrendsQuery(PROJECT, PARIS, "view", breakdown_limit=0)
    assert caught.value.field == "breakdown_limit"


def test_the_repeated_autumn_hour_is_one_bucket(event_store: EventStore) -> None:
    # Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET; 00:30Z and 01:30Z are both 02:30 local.
    write(
        event_store,
        [ev("view", "u1", "2026-10-25T00:30:00Z"), ev("view", "u2", "2026-10-25T01:30:00Z")],
    )
    span = DateRange(date(2026, 10, 25), date(2026, 10, 25), "Europe/Paris")
    hourly = trends(event_store, TrendsQuery(PROJECT, span, "view", "hour", "unique"))
    assert len(hourly.current.buckets) == 24
    by_hour = dict(zip(hourly.current.buckets, hourly.current.lines[0].values, strict=True))
    assert by_hour[datetime(2026, 10, 25, 2)] == 2 and sum(by_hour.values()) == 2
    daily = trends(event_store, TrendsQuery(PROJECT, span, "view", "day"))
    assert daily.current.lines[0].values == (2,)


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris"])
def test_the_last_second_of_a_day_stays_in_that_day(
    event_store: EventStore, time_zone: str
) -> None:
    # Sub-second times just before local midnight (a rounded epoch put them in the next day).
    offset = "+00:00" if time_zone == "UTC" else "+02:00"
    write(event_store, [ev("view", "a", f"2026-03-31T23:59:59.700000{offset}")])
    span = DateRange(date(2026, 3, 31), date(2026, 4, 1), time_zone)
    (line,) = trends(event_store, TrendsQuery(PROJECT, span, "view")).current.lines
    assert line.values == (1, 0)
