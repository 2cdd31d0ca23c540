"""KPIs: a named metric with an owner team, a target and a direction, evaluated over a period.

A KPI is declared once (a frozen :class:`Kpi`, or a ``[[kpis]]`` table of ``launchloop.toml``)
and evaluating it gives its value over a period, the previous period of the same length, the gap
to its target and a daily series. Kinds:

- ``count``: events of ``events`` (any of them) that pass ``filters``;
- ``unique``: persons who did one of ``events``;
- ``ratio``: numerator ``events`` over denominator ``denominator`` (events, or persons when
  ``math = "unique"``);
- ``adoption``: share of active persons (who did any of ``denominator``; any event when empty)
  who used the feature ``events``;
- ``friction_rate``: friction events (``events``; default rage clicks, dead clicks, errors) per
  1,000 sessions of the period;
- ``funnel_conversion`` and ``retention``: see :mod:`launchloop.analytics.kpi_journeys`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, get_args

from launchloop.analytics.filters import PropertyFilter, parse_filters
from launchloop.analytics.kpi_tally import Tally, tally_by_day, tally_by_period
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

KpiKind = Literal[
    "count", "unique", "ratio", "funnel_conversion", "retention", "adoption", "friction_rate"
]
Direction = Literal["up", "down"]
KpiMath = Literal["count", "unique"]

#: The event names that the tracker and PostHog's autocapture send for friction.
FRICTION_EVENTS: tuple[str, ...] = ("$rageclick", "$dead_click", "$exception")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,99}$")
_PERIOD = re.compile(r"^(\d{1,4})([dw])$")


@dataclass(frozen=True)
class Kpi:
    """A KPI declaration; :func:`kpi_from_mapping` builds one from a ``[[kpis]]`` table."""

    name: str
    kind: KpiKind
    events: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    filters: tuple[PropertyFilter, ...] = ()
    math: KpiMath = "count"
    owner_team: str = "product"
    target: float | None = None
    direction: Direction = "up"
    #: The funnel's conversion window, or N of a retention-at-day-N KPI.
    window_days: int = 7
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidInput("name", "1-100 letters, digits, spaces, '_', '-' or '.'")
        if self.kind not in get_args(KpiKind):
            raise InvalidInput("kind", f"must be one of {', '.join(get_args(KpiKind))}")
        if self.direction not in get_args(Direction):
            raise InvalidInput("direction", "must be up or down")
        if self.math not in get_args(KpiMath):
            raise InvalidInput("math", "must be count or unique")
        if not 1 <= self.window_days <= 365:
            raise InvalidInput("window_days", "must be between 1 and 365")
        _check_events(self)

    def as_dict(self) -> dict[str, Any]:
        """The declaration as JSON-ready values (filters as key/type/operator/value)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "events": list(self.events),
            "denominator": list(self.denominator),
            "filters": [
                {
                    "key": f.property.name,
                    "type": f.property.source,
                    "operator": f.operator,
                    "value": f.value,
                }
                for f in self.filters
            ],
            "math": self.math,
            "owner_team": self.owner_team,
            "target": self.target,
            "direction": self.direction,
            "window_days": self.window_days,
            "description": self.description,
        }

    @property
    def numerator_events(self) -> tuple[str, ...]:
        """The events counted on top (friction: the default friction events when none given)."""
        if self.kind == "friction_rate" and not self.events:
            return FRICTION_EVENTS
        return self.events


def _check_events(kpi: Kpi) -> None:
    needed = {"count": 1, "unique": 1, "ratio": 1, "adoption": 1, "funnel_conversion": 2}
    if len(kpi.events) < needed.get(kpi.kind, 0):
        raise InvalidInput("events", f"a {kpi.kind} KPI needs at least {needed[kpi.kind]} event")
    if kpi.kind == "ratio" and not kpi.denominator:
        raise InvalidInput("denominator", "a ratio KPI needs denominator events")
    if kpi.kind == "funnel_conversion" and len(kpi.events) > 10:
        raise InvalidInput("events", "a funnel has at most 10 steps")
    if kpi.kind == "retention" and len(kpi.events) not in (1, 2):
        raise InvalidInput("events", "retention takes a start event and an optional return event")
    for name in (*kpi.events, *kpi.denominator):
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidInput("events", "event names are non-empty strings (at most 200 chars)")


@dataclass(frozen=True)
class DailyValue:
    """The KPI's value over one local day."""

    day: date
    value: float | None


@dataclass(frozen=True)
class KpiReading:
    """A KPI over a period: value, previous period, gap to target, daily series."""

    kpi: Kpi
    span: DateRange
    value: float | None
    previous: float | None
    series: tuple[DailyValue, ...]

    @property
    def change(self) -> float | None:
        """Value minus the previous period's (None when either is unknown)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def target_gap(self) -> float | None:
        """Value minus target: positive is ahead for an "up" KPI, behind for a "down" one."""
        if self.value is None or self.kpi.target is None:
            return None
        return self.value - self.kpi.target

    @property
    def on_target(self) -> bool | None:
        """Whether the value meets the target in the KPI's direction (None without target)."""
        gap = self.target_gap
        if gap is None:
            return None
        return gap >= 0 if self.kpi.direction == "up" else gap <= 0

    def as_dict(self) -> dict[str, Any]:
        """The reading as JSON-ready values (dates as ISO strings)."""
        return {
            "kpi": self.kpi.name,
            "owner_team": self.kpi.owner_team,
            "date_from": self.span.start.isoformat(),
            "date_to": self.span.end.isoformat(),
            "time_zone": self.span.time_zone,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "target": self.kpi.target,
            "direction": self.kpi.direction,
            "target_gap": self.target_gap,
            "on_target": self.on_target,
            "series": [{"day": p.day.isoformat(), "value": p.value} for p in self.series],
        }


def value_of(kpi: Kpi, tally: Tally) -> float | None:
    """A tally kind's value from its counts; None when the denominator is empty."""
    if kpi.kind == "count":
        return float(tally.events)
    if kpi.kind == "unique":
        return float(tally.persons)
    if kpi.kind == "ratio":
        top, bottom = (
            (tally.persons, tally.base_persons)
            if kpi.math == "unique"
            else (tally.events, tally.base_events)
        )
        return top / bottom if bottom else None
    if kpi.kind == "adoption":
        return tally.persons / tally.base_persons if tally.base_persons else None
    if kpi.kind == "friction_rate":
        return 1000 * tally.events / tally.base_sessions if tally.base_sessions else None
    raise ValueError(f"{kpi.kind} is not a tally KPI")


Evaluator = Callable[[EventStore, int, Kpi, DateRange], KpiReading]


def evaluate_kpi(store: EventStore, project_id: int, kpi: Kpi, span: DateRange) -> KpiReading:
    """The KPI over ``span``: value, previous period, target gap and daily series."""
    if kpi.kind in ("funnel_conversion", "retention"):
        from launchloop.analytics.kpi_journeys import evaluate_journey

        return evaluate_journey(store, project_id, kpi, span)
    current, previous = tally_by_period(store, project_id, kpi, span)
    days = tally_by_day(store, project_id, kpi, span)
    series = tuple(
        DailyValue(day, value_of(kpi, days.get(day, Tally())))
        for day in (span.start + timedelta(days=i) for i in range(span.days))
    )
    return KpiReading(kpi, span, value_of(kpi, current), value_of(kpi, previous), series)


def period_range(period: str, *, until: date, time_zone: str = "UTC") -> DateRange:
    """The ``period`` ("7d", "4w") of local days that ends on ``until`` (included)."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise InvalidInput("period", "must look like 7d or 4w")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if days < 1:
        raise InvalidInput("period", "must cover at least one day")
    return DateRange(until - timedelta(days=days - 1), until, time_zone)


def _names(raw: Any, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
        raise InvalidInput(field, "must be an event name or a list of event names")
    return tuple(raw)


def kpi_from_mapping(raw: Mapping[str, Any]) -> Kpi:
    """A KPI from a ``[[kpis]]`` table (or JSON): keys as the :class:`Kpi` fields.

    ``event`` is accepted for ``events`` and ``owner`` for ``owner_team``.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("kpis", "each KPI is a table of name, kind, events, ...")
    known = {f for f in Kpi.__dataclass_fields__} | {"event", "owner"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(unknown[0], "unknown KPI field")
    target = raw.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
        raise InvalidInput("target", "must be a number")
    window = raw.get("window_days", 7)
    if isinstance(window, bool) or not isinstance(window, int):
        raise InvalidInput("window_days", "must be an integer")
    return Kpi(
        name=str(raw.get("name", "")),
        kind=raw.get("kind", "count"),
        events=_names(raw.get("events", raw.get("event")), "events"),
        denominator=_names(raw.get("denominator"), "denominator"),
        filters=parse_filters(raw.get("filters")),
        math=raw.get("math", "count"),
        owner_team=str(raw.get("owner_team", raw.get("owner", "product"))),
        target=float(target) if target is not None else None,
        direction=raw.get("direction", "up"),
        window_days=window,
        description=str(raw.get("description", "")),
    )


def kpis_from_config(config: Mapping[str, Any]) -> tuple[Kpi, ...]:
    """The KPIs of a parsed ``launchloop.toml`` (its ``[[kpis]]`` array), names unique."""
    raw = config.get("kpis", [])
    if not isinstance(raw, list):
        raise InvalidInput("kpis", "must be an array of tables ([[kpis]])")
    kpis = tuple(kpi_from_mapping(item) for item in raw)
    names = [kpi.name for kpi in kpis]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise InvalidInput("kpis", f"two KPIs are named {duplicate!r}")
    return kpis
