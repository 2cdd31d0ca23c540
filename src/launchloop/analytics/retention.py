"""Retention: cohorts of persons by the period of their first start event, and their returns.

A person's cohort is the day, week (from Monday) or month, in the project's time zone, of their
first-ever start event, kept when that event falls in the date range. Period 0 is the cohort's
size; period k counts the cohort's persons with a return event in the k-th period after their
cohort's (within the range). Periods that end after the range are None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from launchloop.analytics.filters import EventSpec, uses_person
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

MAX_PERIODS = 60


@dataclass(frozen=True)
class RetentionQuery:
    """Cohorts of ``start`` by ``interval``, followed for ``periods`` periods of ``returning``."""

    project_id: int
    span: DateRange
    start: EventSpec
    returning: EventSpec
    interval: Interval = "week"
    periods: int = 8

    def __post_init__(self) -> None:
        if self.interval == "hour":
            raise InvalidInput("interval", "retention periods are day, week or month")
        if not 1 <= self.periods <= MAX_PERIODS:
            raise InvalidInput("periods", f"must be between 1 and {MAX_PERIODS}")


@dataclass(frozen=True)
class Cohort:
    """The persons who started in one period and how many came back in each later one."""

    start: datetime
    size: int
    returned: tuple[int | None, ...]

    @property
    def rates(self) -> tuple[float | None, ...]:
        """Each period's returns as a share of the cohort (period 0 is 1.0)."""
        return tuple(
            None if r is None else (r / self.size if self.size else 0.0) for r in self.returned
        )


@dataclass(frozen=True)
class RetentionResult:
    """The cohort table, oldest cohort first; ``returned[0]`` is the cohort size."""

    interval: Interval
    cohorts: tuple[Cohort, ...]


def _uses_person(query: RetentionQuery) -> bool:
    return uses_person([*query.start.filters, *query.returning.filters])


def retention_sql(query: RetentionQuery, p: Printer) -> Compiled:
    """Rows (cohort key, period, persons) of the cohort table.

    One pass over the events, grouped by person (FACTS.md: a per-person shape beats joins and
    ClickHouse's retention()): the first start event's bucket, and the buckets with a return.
    """
    bucket = bucket_sql(p, query.interval)
    person, joins = person_rows(p, query.project_id, with_persons=_uses_person(query))
    start, back = query.start.sql(p), query.returning.sql(p)
    opens = p.from_micros(p.param(query.span.start_micros()))
    periods = p.param(int(query.periods))
    per = (
        f"SELECT {person} AS person, {p.count_if(start)} AS starts,\n"
        f"    min({bucket}) FILTER (WHERE {start}) AS cohort,\n"
        f"    min(e.timestamp) FILTER (WHERE {start}) AS first_seen,\n"
        f"    {p.distinct_list_if(bucket, f'{back} AND e.timestamp >= {opens}')} AS back\n"
        f"{joins}\nWHERE {in_range(p, query.project_id, None, until=query.span)}"
        f" AND ({start} OR {back})\nGROUP BY person"
    )
    later = p.list_filter("back", p.lam("x", f"x > cohort AND x - cohort <= {periods}"))
    sql = (
        f"WITH per AS (\n{per}\n)\n"
        "SELECT cohort, b - cohort AS period, count(*) AS persons FROM (\n"
        f"SELECT cohort, {p.unnest(p.list_concat('[cohort]', later))} AS b FROM per\n"
        f"WHERE starts > 0 AND first_seen >= {opens}\n) AS returned\n"
        "GROUP BY cohort, b - cohort"
    )
    return p.compiled(sql)


def retention(store: EventStore, query: RetentionQuery) -> RetentionResult:
    """Run a retention query on ``store`` (one statement)."""
    rows = run(store, retention_sql(query, printer_for(store.dialect, query.span.time_zone)))
    counts = {(int(cohort), int(period)): int(persons) for cohort, period, persons in rows}
    keys = bucket_keys(query.span, query.interval)
    cohorts = []
    for key in keys:
        returned = tuple(
            counts.get((key, k), 0) if key + k <= keys[-1] else None
            for k in range(query.periods + 1)
        )
        cohorts.append(Cohort(bucket_start(key, query.interval), returned[0] or 0, returned))
    return RetentionResult(query.interval, tuple(cohorts))
