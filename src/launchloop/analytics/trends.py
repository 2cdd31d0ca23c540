"""Trends: an event's count, unique persons, or sum / average of a numeric property over time.

Buckets are hours, days, weeks (from Monday) or months of the project's time zone; empty
buckets are 0. A breakdown keeps the top N values (ranked by the same measure over the whole
range, ties by value) and folds the rest into ``OTHER``; events without the property form the
line whose ``breakdown_value`` is None. ``compare`` adds the previous period of the same length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from launchloop.analytics.filters import PropertyFilter, PropertyRef, uses_person, where
from launchloop.analytics.source import in_range, person_rows
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import (
    DateRange,
    Interval,
    bucket_keys,
    bucket_sql,
    bucket_start,
)
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

Math = Literal["count", "unique", "sum", "avg"]
OTHER = "$other"
MAX_BREAKDOWN = 50


@dataclass(frozen=True)
class TrendsQuery:
    """What to plot: one event (None: every event), a measure, buckets, filters, breakdown."""

    project_id: int
    span: DateRange
    event: str | None = None
    interval: Interval = "day"
    math: Math = "count"
    math_property: PropertyRef | None = None
    filters: tuple[PropertyFilter, ...] = ()
    breakdown: PropertyRef | None = None
    breakdown_limit: int = 10
    compare: bool = False

    def __post_init__(self) -> None:
        if self.math not in get_args(Math):
            raise InvalidInput("math", "must be one of count, unique, sum, avg")
        if self.math in ("sum", "avg") and self.math_property is None:
            raise InvalidInput("math_property", f"is required for math {self.math!r}")
        if not 1 <= self.breakdown_limit <= MAX_BREAKDOWN:
            raise InvalidInput("breakdown_limit", f"must be between 1 and {MAX_BREAKDOWN}")


@dataclass(frozen=True)
class TrendLine:
    """One line of a chart: a breakdown value (None without breakdown) and a value per bucket."""

    breakdown_value: str | None
    values: tuple[float, ...]

    @property
    def total(self) -> float:
        """The sum over the buckets (meaningful for count and sum)."""
        return float(sum(self.values))


@dataclass(frozen=True)
class TrendSeries:
    """Bucket starts (local wall-clock time) and the lines drawn over them."""

    span: DateRange
    buckets: tuple[datetime, ...]
    lines: tuple[TrendLine, ...]


@dataclass(frozen=True)
class TrendsResult:
    """The series of the range and, when compared, of the previous period."""

    current: TrendSeries
    previous: TrendSeries | None = None


def _measure(math: Math) -> str:
    return {
        "count": "count(*)",
        "unique": "count(DISTINCT person)",
        "sum": "coalesce(sum(value), 0)",
        "avg": "coalesce(avg(value), 0)",
    }[math]


def trends_sql(query: TrendsQuery, p: Printer, span: DateRange | None = None) -> Compiled:
    """The statement of a trend over ``span`` (default: the query's range)."""
    span = span or query.span
    value = query.math_property.number(p) if query.math_property else "NULL"
    breakdown = query.breakdown.text(p) if query.breakdown else "NULL"
    event = f" AND e.event = {p.param(query.event)}" if query.event is not None else ""
    refs = [query.breakdown, query.math_property, *query.filters]
    person, rows = person_rows(p, query.project_id, with_persons=uses_person(refs))
    base = (
        f"SELECT {bucket_sql(p, query.interval)} AS bucket, {breakdown} AS breakdown,\n"
        f"    {person} AS person, {value} AS value\n"
        f"{rows}\n"
        f"WHERE {in_range(p, query.project_id, span)}{event} AND {where(query.filters, p)}"
    )
    measure = _measure(query.math)
    if query.breakdown is None:
        sql = (
            f"WITH base AS (\n{base}\n)\nSELECT bucket, NULL AS breakdown_value, {measure} AS value"
            "\nFROM base GROUP BY bucket ORDER BY bucket"
        )
        return p.compiled(sql)
    limit = p.param(int(query.breakdown_limit))
    sql = (
        f"WITH base AS (\n{base}\n),\ntop AS (\n"
        f"SELECT breakdown FROM base WHERE breakdown IS NOT NULL GROUP BY breakdown\n"
        f"ORDER BY {measure} DESC, breakdown LIMIT {limit}\n)\n"
        "SELECT bucket, CASE WHEN breakdown IS NULL THEN NULL\n"
        "    WHEN breakdown IN (SELECT breakdown FROM top) THEN breakdown"
        f" ELSE {p.param(OTHER)} END AS breakdown_value,\n"
        f"    {measure} AS value\nFROM base GROUP BY bucket, breakdown_value ORDER BY bucket"
    )
    return p.compiled(sql)


def trends(store: EventStore, query: TrendsQuery) -> TrendsResult:
    """Run a trend (and its previous period when ``compare``) on ``store``."""
    current = _series(store, query, query.span)
    previous = _series(store, query, query.span.previous()) if query.compare else None
    return TrendsResult(current, previous)


def _series(store: EventStore, query: TrendsQuery, span: DateRange) -> TrendSeries:
    printer = printer_for(store.dialect, span.time_zone)
    rows = run(store, trends_sql(query, printer, span))
    keys = bucket_keys(span, query.interval)
    position = {key: i for i, key in enumerate(keys)}
    table: dict[str | None, list[float]] = {}
    for bucket, breakdown_value, value in rows:
        values = table.setdefault(breakdown_value, [0.0] * len(keys))
        if int(bucket) in position:
            values[position[int(bucket)]] = float(value or 0)
    if not table and query.breakdown is None:
        table[None] = [0.0] * len(keys)
    lines = [TrendLine(name, tuple(values)) for name, values in table.items()]
    lines.sort(
        key=lambda line: (
            line.breakdown_value in (None, OTHER),
            -line.total,
            line.breakdown_value or "",
        )
    )
    buckets = tuple(bucket_start(key, query.interval) for key in keys)
    return TrendSeries(span, buckets, tuple(lines))
