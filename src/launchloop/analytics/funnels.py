"""Funnels: how many persons go through 2 to 10 steps within a conversion window.

Semantics (the same on both stores; see ``funnel_sql`` for the SQL):

- A person's events in the date range are sorted by time; events at the same microsecond are
  taken in step order (step 1 before step 2), then other events, then by uuid. One event fills
  at most one step of a chain.
- ``ordered``: any occurrence of step 1 may start a chain (like ClickHouse's ``windowFunnel``);
  from it, each next step is its earliest occurrence after the previous step, and every step
  must happen at most ``window_seconds`` after the chain's step 1 (boundary included).
  ``strict``: each next step must be the very next event of the person (any event name).
  ``any``: steps in any order; a chain starts at any step's event and counts the steps that
  occur within the window from it (step k then means "k of the steps done").
- An exclusion (event, filters, between steps a and b) voids a chain that reached step b with
  such an event strictly between its step a and its step b (not for ``any``).
- Each person counts once, with their best chain: the most steps, then the earliest start. A
  person whose chains are all void is left out. Times to convert come from that chain.
- Breakdown: the property's value on the best chain's step-1 event; top N by persons, the
  rest folded into ``OTHER``; None for events without the property.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from launchloop.analytics.filters import PropertyFilter, PropertyRef
from launchloop.analytics.funnel_sql import daily_funnel_sql, funnel_persons_sql, funnel_sql
from launchloop.analytics.sql import printer_for, run
from launchloop.analytics.timeframe import DateRange, bucket_start
from launchloop.analytics.trends import OTHER
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

OrderMode = Literal["ordered", "strict", "any"]
MIN_STEPS, MAX_STEPS, MAX_EXCLUSIONS = 2, 10, 5
MAX_WINDOW = 366 * 86_400


@dataclass(frozen=True)
class FunnelStep:
    """One step: an event name and optional filters on that event."""

    event: str
    filters: tuple[PropertyFilter, ...] = ()
    name: str | None = None

    @property
    def label(self) -> str:
        """The name shown for the step."""
        return self.name or self.event


@dataclass(frozen=True)
class FunnelExclusion:
    """An event that voids a chain when it happens between steps ``from_step`` and ``to_step``.

    Steps are numbered from 1.
    """

    event: str
    from_step: int
    to_step: int
    filters: tuple[PropertyFilter, ...] = ()


@dataclass(frozen=True)
class FunnelQuery:
    """A funnel over a date range."""

    project_id: int
    span: DateRange
    steps: tuple[FunnelStep, ...]
    window_seconds: int = 14 * 86_400
    order: OrderMode = "ordered"
    exclusions: tuple[FunnelExclusion, ...] = ()
    filters: tuple[PropertyFilter, ...] = ()
    breakdown: PropertyRef | None = None
    breakdown_limit: int = 10

    def __post_init__(self) -> None:
        if not MIN_STEPS <= len(self.steps) <= MAX_STEPS:
            raise InvalidInput("steps", f"a funnel has {MIN_STEPS} to {MAX_STEPS} steps")
        for i, step in enumerate(self.steps):
            if not step.event:
                raise InvalidInput(f"steps[{i}].event", "is required")
        if not 1 <= self.window_seconds <= MAX_WINDOW:
            raise InvalidInput("window_seconds", f"must be between 1 and {MAX_WINDOW}")
        if self.order not in get_args(OrderMode):
            raise InvalidInput("order", "must be one of ordered, strict, any")
        if not 1 <= self.breakdown_limit <= 50:
            raise InvalidInput("breakdown_limit", "must be between 1 and 50")
        self._check_exclusions()

    def _check_exclusions(self) -> None:
        if len(self.exclusions) > MAX_EXCLUSIONS:
            raise InvalidInput("exclusions", f"at most {MAX_EXCLUSIONS} exclusions")
        if self.exclusions and self.order == "any":
            raise InvalidInput("exclusions", "need an ordered or strict funnel")
        for i, ex in enumerate(self.exclusions):
            if not 1 <= ex.from_step < ex.to_step <= len(self.steps):
                raise InvalidInput(
                    f"exclusions[{i}].to_step", "steps must satisfy 1 <= from_step < to_step <= n"
                )


@dataclass(frozen=True)
class FunnelStepResult:
    """One step: who reached it, went on, dropped; conversion rates and times to reach it."""

    index: int
    name: str
    entered: int
    converted: int
    dropped: int
    conversion_from_previous: float
    conversion_from_first: float
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class FunnelBreakdown:
    """The steps of the persons whose breakdown value is ``value``."""

    value: str | None
    steps: tuple[FunnelStepResult, ...]


@dataclass(frozen=True)
class FunnelResult:
    """The funnel of all persons, and per breakdown value when asked."""

    steps: tuple[FunnelStepResult, ...]
    breakdowns: tuple[FunnelBreakdown, ...] = ()


def funnel(store: EventStore, query: FunnelQuery) -> FunnelResult:
    """Run a funnel on ``store`` (one statement)."""
    printer = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, funnel_sql(query, printer))
    n = len(query.steps)
    total = next((row for row in rows if row[0] == 1), None)
    steps = _steps(query, total[2:] if total else (0,) * (3 * n))
    parts = [FunnelBreakdown(_value(row[1]), _steps(query, row[2:])) for row in rows if row[0] == 0]
    parts.sort(key=lambda b: (b.value in (None, OTHER), -b.steps[0].entered, b.value or ""))
    return FunnelResult(steps, tuple(parts))


def daily_entered(store: EventStore, query: FunnelQuery) -> dict[date, tuple[int, ...]]:
    """Per local day with events, the persons who entered each step of that day's funnel.

    A day's funnel uses that day's events alone (chains do not cross midnight); one statement
    for every day of the range. Breakdown and exclusions work as in :func:`funnel`.
    """
    printer = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, daily_funnel_sql(query, printer))
    return {
        bucket_start(int(row[0]), "day").date(): tuple(int(v or 0) for v in row[1:]) for row in rows
    }


def dropped_persons(
    store: EventStore, query: FunnelQuery, step: int, *, limit: int = 100, offset: int = 0
) -> tuple[str, ...]:
    """The persons who reached step ``step`` (from 1) but not the next one, sorted by id."""
    if not 1 <= step < len(query.steps):
        raise InvalidInput("step", f"must be between 1 and {len(query.steps) - 1}")
    if not 1 <= limit <= 10_000 or offset < 0:
        raise InvalidInput("limit", "must be between 1 and 10000 (offset >= 0)")
    printer = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, funnel_persons_sql(query, printer, step, limit=limit, offset=offset))
    return tuple(str(row[0]) for row in rows)


def _value(raw: object) -> str | None:
    return None if raw in (None, "") else str(raw)


def _steps(query: FunnelQuery, values: tuple[object, ...]) -> tuple[FunnelStepResult, ...]:
    n = len(query.steps)
    entered = [int(v or 0) for v in values[:n]]  # type: ignore[call-overload]
    medians, p90s = values[n : 2 * n], values[2 * n : 3 * n]
    results = []
    for k in range(n):
        converted = entered[k + 1] if k + 1 < n else entered[k]
        previous = entered[k - 1] if k else entered[k]
        results.append(
            FunnelStepResult(
                index=k + 1,
                name=query.steps[k].label,
                entered=entered[k],
                converted=converted,
                dropped=entered[k] - converted,
                conversion_from_previous=entered[k] / previous if previous else 0.0,
                conversion_from_first=entered[k] / entered[0] if entered[0] else 0.0,
                median_seconds=_seconds(medians[k]) if k else None,
                p90_seconds=_seconds(p90s[k]) if k else None,
            )
        )
    return tuple(results)


def _seconds(micros: object) -> float | None:
    if micros is None:
        return None
    value = float(micros)  # type: ignore[arg-type]
    # Rounded to the microsecond so both engines' interpolations print the same number.
    return None if value != value else round(value / 1e6, 6)
