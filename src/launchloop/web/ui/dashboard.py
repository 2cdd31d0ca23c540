"""The launch dashboard: KPIs (value, target, trend, owner), funnel, retention, channels."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.web import Channel
from launchloop.errors import InvalidInput
from launchloop.web.ui import charts
from launchloop.web.ui.dashboard_queries import (
    CHANNELS,
    DEFAULT_DAYS,
    DashboardQuery,
    dashboard_inputs,
    default_span,
    read_dashboard,
)
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.query_cache import QueryCache
from launchloop.web.ui.rendering import page_language, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, "must be a date (YYYY-MM-DD)") from None


def _span(
    request: Request, project_id: int, date_from: str | None, date_to: str | None
) -> DateRange:
    default = default_span(database_of(request), project_id)
    end = _day(date_to, "date_to") or default.end
    start = _day(date_from, "date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
    return DateRange(start, end, default.time_zone)


def _steps(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())[:10]


def _cache(request: Request) -> QueryCache:
    state = request.app.state
    if not hasattr(state, "ui_cache"):  # set at startup, with its refresher; else a plain one
        state.ui_cache = QueryCache()
    return state.ui_cache  # type: ignore[no-any-return]


@router.get("/app/{project_id}/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    access: InProject,
    date_from: str | None = None,
    date_to: str | None = None,
    steps: str | None = None,
    channel: str = "utm_source",
    retention_start: str | None = None,
    retention_return: str | None = None,
) -> HTMLResponse:
    """The launch dashboard over a range of local days (default: the last 28)."""
    if channel not in get_args(Channel):
        raise InvalidInput("channel", f"must be one of {', '.join(CHANNELS)}")
    span = _span(request, access.project.id, date_from, date_to)
    query, kpis, marks = dashboard_inputs(
        database_of(request),
        access.project.id,
        span,
        _steps(steps),
        channel=channel,  # type: ignore[arg-type]
        retention_start=retention_start,
        retention_return=retention_return,
    )
    context = _sections(request, query, kpis, marks)
    context |= {"query": query, "channels": CHANNELS, "steps_text": ", ".join(query.steps)}
    return render(request, "dashboard.html", context)


def _sections(request: Request, query: DashboardQuery, kpis: list, marks: list) -> dict[str, Any]:
    store, cache = request.app.state.runtime.store, _cache(request)
    t = translator(page_language(request))
    sections = read_dashboard(store, cache, query, kpis)
    sections["trends"] = {
        row.name: charts.kpi_trend(row.reading, marks)
        for row in sections["kpis"]
        if row.reading is not None
    }
    sections["marks"] = marks
    if sections["funnel"] is not None:
        labels = (t("went_on"), t("dropped"))
        sections["funnel_chart"] = charts.funnel_bars(sections["funnel"], labels)
    if sections["retention"] is not None:
        sections["retention_chart"] = charts.retention_heatmap(sections["retention"], t("cohort"))
    return sections
