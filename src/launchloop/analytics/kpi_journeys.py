"""Funnel-conversion and retention KPIs, read from the funnel and retention queries.

- ``funnel_conversion``: persons who reached the last of ``events`` (in order, each within
  ``window_days`` of the first step) over persons who did the first, in the period. A day of the
  daily series is the funnel of that day's events alone (all days in one statement).
- ``retention``: retention at day N (N = ``window_days``): of the persons whose first-ever start
  event (``events[0]``) falls in the period, the share with a return event (``events[1]``, else
  the start event again) on the N-th local day after it. Only cohorts whose day N falls in the
  period count; a day of the series is that day's cohort (None when it cannot be measured yet).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from launchloop.analytics.filters import EventSpec
from launchloop.analytics.funnels import FunnelQuery, FunnelStep, daily_entered, funnel
from launchloop.analytics.retention import RetentionQuery, retention
from launchloop.analytics.timeframe import DateRange
from launchloop.store.base import EventStore

if TYPE_CHECKING:
    from launchloop.analytics.kpis import Kpi, KpiReading


def _funnel_query(project_id: int, kpi: Kpi, span: DateRange) -> FunnelQuery:
    steps = tuple(FunnelStep(name, kpi.filters) for name in kpi.events)
    return FunnelQuery(project_id, span, steps, window_seconds=kpi.window_days * 86_400)


def funnel_conversion(
    store: EventStore, project_id: int, kpi: Kpi, span: DateRange
) -> float | None:
    """Last-step persons over first-step persons (None when nobody entered)."""
    result = funnel(store, _funnel_query(project_id, kpi, span)).steps
    return result[-1].entered / result[0].entered if result[0].entered else None


def daily_conversion(
    store: EventStore, project_id: int, kpi: Kpi, span: DateRange
) -> dict[date, float | None]:
    """Per day with events, :func:`funnel_conversion` of that day's events alone."""
    days = daily_entered(store, _funnel_query(project_id, kpi, span))
    return {day: entered[-1] / entered[0] if entered[0] else None for day, entered in days.items()}


def retention_cohorts(
    store: EventStore, project_id: int, kpi: Kpi, span: DateRange
) -> dict[date, tuple[int, int]]:
    """Per cohort day whose day N is in ``span``: (cohort size, persons back on day N)."""
    start = EventSpec(kpi.events[0], kpi.filters)
    returning = EventSpec(kpi.events[-1], kpi.filters)
    day_n = kpi.window_days
    query = RetentionQuery(project_id, span, start, returning, interval="day", periods=day_n)
    cohorts = {}
    for cohort in retention(store, query).cohorts:
        back = cohort.returned[day_n]
        if back is not None:
            cohorts[cohort.start.date()] = (cohort.size, back)
    return cohorts


def pooled_retention(cohorts: dict[date, tuple[int, int]]) -> float | None:
    """Persons back on day N over the persons of the measurable cohorts."""
    size = sum(total for total, _ in cohorts.values())
    return sum(back for _, back in cohorts.values()) / size if size else None


def evaluate_journey(store: EventStore, project_id: int, kpi: Kpi, span: DateRange) -> KpiReading:
    """A funnel-conversion or retention KPI over ``span``, the previous period and each day."""
    from launchloop.analytics.kpis import DailyValue, KpiReading

    days = [span.start + timedelta(days=i) for i in range(span.days)]
    if kpi.kind == "retention":
        cohorts = retention_cohorts(store, project_id, kpi, span)
        value = pooled_retention(cohorts)
        previous = pooled_retention(retention_cohorts(store, project_id, kpi, span.previous()))
        series = tuple(
            DailyValue(day, _share(cohorts[day]) if day in cohorts else None) for day in days
        )
    else:
        value = funnel_conversion(store, project_id, kpi, span)
        previous = funnel_conversion(store, project_id, kpi, span.previous())
        daily = daily_conversion(store, project_id, kpi, span)
        series = tuple(DailyValue(day, daily.get(day)) for day in days)
    return KpiReading(kpi, span, value, previous, series)


def _share(cohort: tuple[int, int]) -> float | None:
    size, back = cohort
    return back / size if size else None
