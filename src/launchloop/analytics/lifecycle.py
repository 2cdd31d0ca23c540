"""Lifecycle and stickiness of the persons who do an event, per period of the project's zone.

Lifecycle, for each bucket of the range, counts the persons active in it (who did the event) as
``new`` (their first-ever occurrence is in this bucket), ``returning`` (active in the previous
bucket too) or ``resurrecting`` (inactive in the previous bucket, active before), and counts as
``dormant`` those active in the previous bucket but not in this one.
Stickiness counts the persons by how many buckets of the range they were active in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from launchloop.analytics.filters import EventSpec, uses_person
from launchloop.analytics.source import events_from, in_range
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import (
    DateRange,
    Interval,
    bucket_keys,
    bucket_sql,
    bucket_start,
)
from launchloop.store.base import EventStore

STATUSES = ("new", "returning", "resurrecting", "dormant")


@dataclass(frozen=True)
class ActivityQuery:
    """The persons who do ``event`` over ``span``, bucketed by ``interval``."""

    project_id: int
    span: DateRange
    event: EventSpec
    interval: Interval = "day"


@dataclass(frozen=True)
class LifecycleBucket:
    """One bucket's persons by status."""

    start: datetime
    new: int
    returning: int
    resurrecting: int
    dormant: int


@dataclass(frozen=True)
class LifecycleResult:
    """A lifecycle bucket per period of the range (empty ones included)."""

    interval: Interval
    buckets: tuple[LifecycleBucket, ...]


@dataclass(frozen=True)
class StickinessResult:
    """``persons[i]`` persons were active in exactly ``i + 1`` of the range's buckets."""

    interval: Interval
    persons: tuple[int, ...]


def _active(query: ActivityQuery, p: Printer, span: DateRange | None, until: DateRange) -> str:
    joins = events_from(p, with_persons=uses_person(query.event.filters))
    return (
        f"SELECT DISTINCT {p.person()} AS person, {bucket_sql(p, query.interval)} AS b\n{joins}\n"
        f"WHERE {in_range(p, query.project_id, span, until=until)} AND {query.event.sql(p)}"
    )


def lifecycle_sql(query: ActivityQuery, p: Printer) -> Compiled:
    """Rows (bucket key * 4 + status index in STATUSES, persons).

    One pass grouped by person (no self-joins, which ClickHouse would run once per reference):
    the person's first bucket ever and the buckets they were active in, from which each active
    bucket's status and each dormant bucket follow.
    """
    keys = bucket_keys(query.span, query.interval)
    first, last = p.param(keys[0]), p.param(keys[-1])
    joins = events_from(p, with_persons=uses_person(query.event.filters))
    bucket = bucket_sql(p, query.interval)
    per = (
        f"SELECT {p.person()} AS person, min({bucket}) AS fb,\n"
        f"    {p.distinct_list_if(bucket, f'{bucket} >= {first} - 1')} AS bs\n{joins}\n"
        f"WHERE {in_range(p, query.project_id, None, until=query.span)}"
        f" AND {query.event.sql(p)}\nGROUP BY person"
    )
    status = (
        f"x * 4 + CASE WHEN x = fb THEN 0 WHEN {p.list_contains('bs', 'x - 1')} THEN 1 ELSE 2 END"
    )
    active = p.list_map(p.list_filter("bs", p.lam("x", f"x >= {first}")), p.lam("x", status))
    gone = p.lam(
        "x", f"x + 1 >= {first} AND x + 1 <= {last} AND NOT {p.list_contains('bs', 'x + 1')}"
    )
    dormant = p.list_map(p.list_filter("bs", gone), p.lam("x", "(x + 1) * 4 + 3"))
    sql = (
        f"WITH per AS (\n{per}\n)\n"
        "SELECT code, count(*) AS persons FROM (\n"
        f"SELECT {p.unnest(p.list_concat(active, dormant))} AS code FROM per\n) AS coded\n"
        "GROUP BY code"
    )
    return p.compiled(sql)


def lifecycle(store: EventStore, query: ActivityQuery) -> LifecycleResult:
    """Run a lifecycle query on ``store`` (one statement)."""
    rows = run(store, lifecycle_sql(query, printer_for(store.dialect, query.span.time_zone)))
    counts = {(int(code) // 4, STATUSES[int(code) % 4]): int(n) for code, n in rows}
    buckets = tuple(
        LifecycleBucket(
            bucket_start(key, query.interval), *(counts.get((key, s), 0) for s in STATUSES)
        )
        for key in bucket_keys(query.span, query.interval)
    )
    return LifecycleResult(query.interval, buckets)


def stickiness_sql(query: ActivityQuery, p: Printer) -> Compiled:
    """Rows (active buckets, persons)."""
    sql = (
        f"WITH active AS (\n{_active(query, p, query.span, query.span)}\n)\n"
        "SELECT buckets, count(*) AS persons FROM (\n"
        "SELECT person, count(*) AS buckets FROM active GROUP BY person\n) AS per\n"
        "GROUP BY buckets ORDER BY buckets"
    )
    return p.compiled(sql)


def stickiness(store: EventStore, query: ActivityQuery) -> StickinessResult:
    """Run a stickiness query on ``store`` (one statement)."""
    rows = run(store, stickiness_sql(query, printer_for(store.dialect, query.span.time_zone)))
    size = len(bucket_keys(query.span, query.interval))
    counts = {int(b): int(n) for b, n in rows}
    return StickinessResult(query.interval, tuple(counts.get(i, 0) for i in range(1, size + 1)))
