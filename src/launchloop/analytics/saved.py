"""Saved queries: run a query kept as JSON (an insight's evidence) and give its headline figure.

A saved query is a dict with a ``kind`` (trend, funnel, retention, kpi, web, friction), the
fields of that kind, and its days: ``date_from`` and ``date_to`` (fixed), or ``period`` ("28d",
the default) ending on ``until`` (default: today). Re-validating an insight re-runs it over the
latest days to show what changed since capture ("37% -> 22%").

The figure of each kind:

- trend: the total of ``event`` over the days (``math`` count, or sum of ``math_property``);
- funnel: the overall conversion (last step over first), or ``measure = "drop_off"`` (1 - it);
- retention: the share of the cohorts' persons back in period ``period_n`` (default 1);
- kpi: the KPI's value (``kpi`` is a ``[[kpis]]`` definition);
- web: ``measure`` visitors (default), sessions, page_views or bounce_rate;
- friction: ``measure`` friction_rate (default, per 1,000 sessions), rage_clicks, dead_clicks,
  errors, slow_pages or abandoned_forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from launchloop.analytics.filters import parse_event, parse_filters, property_ref
from launchloop.analytics.friction import FrictionQuery, friction_summary
from launchloop.analytics.funnels import FunnelQuery, FunnelStep, funnel
from launchloop.analytics.kpis import evaluate_kpi, kpi_from_mapping, period_range
from launchloop.analytics.retention import RetentionQuery, retention
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.trends import TrendsQuery, trends
from launchloop.analytics.web import WebQuery, web_overview
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

SAVED_KINDS: tuple[str, ...] = ("trend", "funnel", "retention", "kpi", "web", "friction")
WEB_MEASURES: tuple[str, ...] = ("visitors", "sessions", "page_views", "bounce_rate")
FRICTION_MEASURES: tuple[str, ...] = (
    "friction_rate",
    "rage_clicks",
    "dead_clicks",
    "errors",
    "slow_pages",
    "abandoned_forms",
)


@dataclass(frozen=True)
class SavedFigure:
    """A saved query's headline figure now (None: not measurable, e.g. nobody entered)."""

    value: float | None
    label: str
    span: DateRange


Spec = Mapping[str, Any]
Runner = Callable[[EventStore, int, Spec, DateRange], SavedFigure]


def run_saved_query(
    store: EventStore,
    project_id: int,
    spec: Spec,
    *,
    today: date | None = None,
    time_zone: str = "UTC",
) -> SavedFigure:
    """Run the saved query ``spec`` and return its headline figure and label.

    :param today: the last day a ``period`` may read (default: today in UTC).
    :param time_zone: the project's time zone, for the local days.
    """
    if not isinstance(spec, Mapping):
        raise InvalidInput("query", "a saved query is a JSON object with a kind")
    kind = spec.get("kind")
    if kind not in RUNNERS:
        raise InvalidInput("query.kind", f"must be one of {', '.join(SAVED_KINDS)}")
    span = saved_span(spec, today=today or date.today(), time_zone=time_zone)
    return RUNNERS[kind](store, project_id, spec, span)


def saved_span(spec: Spec, *, today: date, time_zone: str) -> DateRange:
    """The days of a saved query: fixed ``date_from``/``date_to``, else ``period`` to ``until``."""
    zone = _text(spec, "time_zone", time_zone)
    if "date_from" in spec or "date_to" in spec:
        return DateRange(_day(spec, "date_from"), _day(spec, "date_to"), zone)
    until = _day(spec, "until") if "until" in spec else today
    return period_range(_text(spec, "period", "28d"), until=until, time_zone=zone)


def _trend(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    math = _choice(spec, "math", ("count", "sum"), "count")
    raw_property = spec.get("math_property")
    query = TrendsQuery(
        project_id,
        span,
        event=_optional_text(spec, "event"),
        interval="month",
        math=math,
        math_property=_property(raw_property) if raw_property is not None else None,
        filters=parse_filters(spec.get("filters"), "query.filters"),
    )
    lines = trends(store, query).current.lines
    total = sum(line.total for line in lines)
    what = spec.get("event") or "events"
    return SavedFigure(float(total), f"{math} of {what}", span)


def _funnel(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    raw_steps = spec.get("steps")
    if not isinstance(raw_steps, list) or not 2 <= len(raw_steps) <= 10:
        raise InvalidInput("query.steps", "a funnel has 2 to 10 steps")
    steps = tuple(_step(raw, f"query.steps[{i}]") for i, raw in enumerate(raw_steps))
    window = spec.get("window_seconds", 14 * 86_400)
    if isinstance(window, bool) or not isinstance(window, int):
        raise InvalidInput("query.window_seconds", "must be a whole number of seconds")
    order = _choice(spec, "order", ("ordered", "strict", "any"), "ordered")
    measure = _choice(spec, "measure", ("conversion", "drop_off"), "conversion")
    query = FunnelQuery(
        project_id,
        span,
        steps,
        window_seconds=window,
        order=order,
        filters=parse_filters(spec.get("filters"), "query.filters"),
    )
    result = funnel(store, query).steps
    if not result[0].entered:
        return SavedFigure(None, f"funnel {measure}", span)
    conversion = result[-1].conversion_from_first
    value = conversion if measure == "conversion" else 1.0 - conversion
    return SavedFigure(value, f"funnel {measure}", span)


def _retention(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    period_n = spec.get("period_n", 1)
    if isinstance(period_n, bool) or not isinstance(period_n, int) or not 1 <= period_n <= 59:
        raise InvalidInput("query.period_n", "must be a whole number between 1 and 59")
    query = RetentionQuery(
        project_id,
        span,
        parse_event(spec.get("start"), "query.start"),
        parse_event(spec.get("returning"), "query.returning"),
        interval=_choice(spec, "interval", ("day", "week", "month"), "week"),
        periods=period_n + 1,
    )
    cohorts = [
        c
        for c in retention(store, query).cohorts
        if len(c.returned) > period_n and c.returned[period_n] is not None
    ]
    size = sum(c.size for c in cohorts)
    back = sum(c.returned[period_n] or 0 for c in cohorts)
    label = f"retention at {query.interval} {period_n}"
    return SavedFigure(back / size if size else None, label, span)


def _kpi(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    raw = spec.get("kpi")
    if not isinstance(raw, Mapping):
        raise InvalidInput("query.kpi", "must be a KPI definition (name, kind, events, ...)")
    try:
        kpi = kpi_from_mapping(raw)
    except InvalidInput as bad:
        raise InvalidInput(f"query.kpi.{bad.field}", bad.reason) from None
    return SavedFigure(evaluate_kpi(store, project_id, kpi, span).value, kpi.name, span)


def _web(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    measure = _choice(spec, "measure", WEB_MEASURES, "visitors")
    filters = parse_filters(spec.get("filters"), "query.filters")
    overview = web_overview(store, WebQuery(project_id, span, filters))
    value = getattr(overview, measure)
    return SavedFigure(None if value is None else float(value), measure, span)


def _friction(store: EventStore, project_id: int, spec: Spec, span: DateRange) -> SavedFigure:
    measure = _choice(spec, "measure", FRICTION_MEASURES, "friction_rate")
    filters = parse_filters(spec.get("filters"), "query.filters")
    summary = friction_summary(store, FrictionQuery(project_id, span, filters))
    value = getattr(summary, measure)
    label = "friction per 1,000 sessions" if measure == "friction_rate" else measure
    return SavedFigure(None if value is None else float(value), label, span)


RUNNERS: dict[str, Runner] = {
    "trend": _trend,
    "funnel": _funnel,
    "retention": _retention,
    "kpi": _kpi,
    "web": _web,
    "friction": _friction,
}


def _step(raw: Any, field: str) -> FunnelStep:
    spec = parse_event(raw, field)
    if spec.event is None:
        raise InvalidInput(f"{field}.event", "a funnel step names its event")
    return FunnelStep(spec.event, spec.filters)


def _property(raw: Any) -> Any:
    if isinstance(raw, str):
        return property_ref(raw, field="query.math_property")
    if not isinstance(raw, Mapping):
        raise InvalidInput("query.math_property", "must be a property name or {key, type}")
    return property_ref(raw.get("key"), raw.get("type", "event"), field="query.math_property")


def _choice(spec: Spec, key: str, allowed: tuple[str, ...], default: str) -> Any:
    value = spec.get(key, default)
    if value not in allowed:
        raise InvalidInput(f"query.{key}", f"must be one of {', '.join(allowed)}")
    return value


def _text(spec: Spec, key: str, default: str) -> str:
    value = spec.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"query.{key}", "must be a non-empty string")
    return value


def _optional_text(spec: Spec, key: str) -> str | None:
    return _text(spec, key, "") if spec.get(key) is not None else None


def _day(spec: Spec, key: str) -> date:
    try:
        return date.fromisoformat(str(spec.get(key)))
    except ValueError:
        raise InvalidInput(f"query.{key}", "must be a date (YYYY-MM-DD)") from None
