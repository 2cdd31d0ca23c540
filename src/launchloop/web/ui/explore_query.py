"""The explore form as a query: parsed from the fields people type, and written as the saved
query (an insight's evidence, re-run by ``analytics/saved.py``) or as a KPI declaration.

Filters are typed one per line, ``key operator value`` (``plan = pro``, ``price > 10``,
``$current_url contains /pricing``, ``email is set``); ``person.key`` filters on a person property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, get_args

from launchloop.analytics.filters import PropertyFilter, parse_filter, parse_filters, property_ref
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput

ExploreKind = Literal["trend", "funnel", "retention", "paths"]
EXPLORE_KINDS: tuple[str, ...] = get_args(ExploreKind)
INTERVALS: tuple[str, ...] = ("day", "week", "month")
MATHS: tuple[str, ...] = ("count", "unique")
DEFAULT_DAYS = 28
#: Longest operators first, so "is not set" wins over "is set" and ">=" over ">".
_OPERATORS = (
    "is not set",
    "not_contains",
    "is set",
    "contains",
    "regex",
    ">=",
    "<=",
    "!=",
    "=",
    ">",
    "<",
)
_FILTER = re.compile(r"^\s*(\S+)\s+(" + "|".join(re.escape(o) for o in _OPERATORS) + r")\s*(.*)$")


@dataclass(frozen=True)
class Exploration:
    """One explore query: its kind, events (steps), filters, breakdown, interval and days."""

    kind: ExploreKind
    events: tuple[str, ...]
    span: DateRange
    filters: tuple[PropertyFilter, ...] = ()
    filter_rows: tuple[dict[str, Any], ...] = ()
    breakdown: str | None = None
    interval: str = "day"
    math: str = "count"


def parse_exploration(values: dict[str, str], *, today: date, time_zone: str) -> Exploration:
    """The exploration of the form ``values``; InvalidInput names the faulty field."""
    kind = values.get("kind", "trend")
    if kind not in EXPLORE_KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(EXPLORE_KINDS)}")
    events = tuple(e.strip() for e in values.get("events", "").split(",") if e.strip())
    _check_events(kind, events)
    rows = tuple(_filter_row(line, i) for i, line in enumerate(_lines(values.get("filters", ""))))
    interval = values.get("interval") or "day"
    if interval not in INTERVALS:
        raise InvalidInput("interval", f"must be one of {', '.join(INTERVALS)}")
    math = values.get("math") or "count"
    if math not in MATHS:
        raise InvalidInput("math", f"must be one of {', '.join(MATHS)}")
    breakdown = values.get("breakdown", "").strip() or None
    if breakdown is not None:
        property_ref(breakdown, field="breakdown")
    return Exploration(
        kind=kind,  # type: ignore[arg-type]
        events=events,
        span=_span(values, today=today, time_zone=time_zone),
        filters=parse_filters(list(rows), "filters"),
        filter_rows=rows,
        breakdown=breakdown,
        interval=interval,
        math=math,
    )


def _check_events(kind: str, events: tuple[str, ...]) -> None:
    if any(len(e) > 200 for e in events):
        raise InvalidInput("events", "an event name has at most 200 characters")
    needed = {"trend": (1, 1), "funnel": (2, 10), "retention": (1, 2), "paths": (1, 1)}
    low, high = needed[kind]
    if not low <= len(events) <= high:
        shown = str(low) if low == high else f"{low} to {high}"
        raise InvalidInput("events", f"a {kind} takes {shown} event name(s), comma-separated")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()][:20]


def _filter_row(line: str, index: int) -> dict[str, Any]:
    match = _FILTER.match(line)
    if match is None:
        raise InvalidInput("filters", f"line {index + 1}: write key operator value (plan = pro)")
    key, operator, value = match.groups()
    source = "event"
    if key.startswith("person."):
        source, key = "person", key.removeprefix("person.")
    row = {"key": key, "type": source, "operator": operator, "value": value.strip() or None}
    parse_filter(row, f"filters[{index}]")
    return row


def _span(values: dict[str, str], *, today: date, time_zone: str) -> DateRange:
    end = _day(values.get("date_to"), "date_to") or today
    start = _day(values.get("date_from"), "date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
    return DateRange(start, end, time_zone)


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, "must be a date (YYYY-MM-DD)") from None


def saved_query(exploration: Exploration) -> dict[str, Any]:
    """The exploration as a saved query (``analytics/saved.py``) over its fixed days."""
    x = exploration
    days = {"date_from": x.span.start.isoformat(), "date_to": x.span.end.isoformat()}
    days["time_zone"] = x.span.time_zone
    filters = [dict(row) for row in x.filter_rows]
    if x.kind == "trend" and x.math == "unique":
        # saved trends count events; unique persons are a KPI's ``unique`` kind
        spec: dict[str, Any] = {"kind": "kpi"}
        spec["kpi"] = kpi_declaration(x, name="explore", owner_team="product")
    elif x.kind == "trend":
        spec = {"kind": "trend", "event": x.events[0], "math": "count", "filters": filters}
    elif x.kind == "funnel":
        spec = {"kind": "funnel", "steps": list(x.events), "filters": filters}
    elif x.kind == "retention":
        spec = {"kind": "retention", "start": _event(x, 0), "returning": _event(x, -1)}
        spec |= {"interval": x.interval, "period_n": 1}
    else:
        raise InvalidInput("kind", "a paths query has no single figure to keep as evidence")
    if x.breakdown:
        spec["breakdown"] = x.breakdown  # kept for the record; the figure is the total
    return spec | days


def _event(x: Exploration, index: int) -> dict[str, Any]:
    return {"event": x.events[index], "filters": [dict(row) for row in x.filter_rows]}


def kpi_declaration(
    exploration: Exploration,
    *,
    name: str,
    owner_team: str,
    target: float | None = None,
    direction: str = "up",
) -> dict[str, Any]:
    """The exploration as a KPI declaration (a ``[[kpis]]`` table) measured like the dashboard's."""
    x = exploration
    declared: dict[str, Any] = {
        "name": name,
        "owner_team": owner_team,
        "direction": direction,
        "filters": [dict(row) for row in x.filter_rows],
    }
    if target is not None:
        declared["target"] = target
    if x.kind == "trend":
        return declared | {
            "kind": "count" if x.math == "count" else "unique",
            "events": [x.events[0]],
        }
    if x.kind == "funnel":
        return declared | {"kind": "funnel_conversion", "events": list(x.events), "window_days": 14}
    if x.kind == "retention":
        day_n = {"day": 1, "week": 7, "month": 30}[x.interval]
        events = [x.events[0], x.events[-1]]
        return declared | {"kind": "retention", "events": events, "window_days": day_n}
    raise InvalidInput(
        "kind", "a paths query cannot be a KPI; explore a trend, funnel or retention"
    )
