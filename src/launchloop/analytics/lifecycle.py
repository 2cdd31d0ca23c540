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
    """Rows (bucket key, status, persons)."""
    keys = bucket_keys(query.span, query.interval)
    first, last = p.param(keys[0]), p.param(keys[-1])
    sql = (
        f"WITH active AS (\n{_active(query, p, None, query.span)}\n),\n"
        "firsts AS (SELECT person, min(b) AS fb FROM active GROUP BY person)\n"
        "SELECT a.b, CASE WHEN a.b = f.fb THEN 'new' WHEN prev.person IS NOT NULL THEN"
        " 'returning' ELSE 'resurrecting' END AS status, count(*) AS persons\n"
        "FROM active AS a INNER JOIN firsts AS f ON f.person = a.person\n"
        "LEFT JOIN active AS prev ON prev.person = a.person AND prev.b = a.b - 1\n"
        f"WHERE a.b >= {first} GROUP BY a.b, status\n"
        "UNION ALL\n"
        "SELECT a.b + 1, 'dormant', count(*)\n"
        "FROM active AS a LEFT JOIN active AS nxt ON nxt.person = a.person AND nxt.b = a.b + 1\n"
        f"WHERE nxt.person IS NULL AND a.b + 1 >= {first} AND a.b + 1 <= {last}\n"
        "GROUP BY a.b + 1"
    )
    return p.compiled(sql)


def lifecycle(store: EventStore, query: ActivityQuery) -> LifecycleResult:
    """Run a lifecycle query on ``store`` (one statement)."""
    rows = run(store, lifecycle_sql(query, printer_for(store.dialect, query.span.time_zone)))
    counts = {(int(b), str(status)): int(n) for b, status, n in rows}
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
