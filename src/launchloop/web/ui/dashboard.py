"""The launch dashboard: KPIs (value, target, trend, owner), funnel, retention, channels."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.web import Channel
from launchloop.errors import InvalidInput, LaunchloopError
from launchloop.knowledge.project_time import project_day
from launchloop.web.ui import charts
from launchloop.web.ui.dashboard_queries import (
    CHANNELS,
    DashboardQuery,
    declared_kpis,
    funnel_steps,
    launches_in,
    read_channels,
    read_friction,
    read_funnel,
    read_kpis,
    read_retention,
)
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.query_cache import QueryCache
from launchloop.web.ui.rendering import page_language, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
DEFAULT_DAYS = 28


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
    today, time_zone = project_day(database_of(request), project_id)
    end = _day(date_to, "date_to") or today
    start = _day(date_from, "date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
    return DateRange(start, end, time_zone)


def _steps(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())[:10]


def _cache(request: Request) -> QueryCache:
    state = request.app.state
    if not hasattr(state, "ui_cache"):
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
    with database_of(request).session() as session:
        kpis = declared_kpis(session, access.project.id)
        marks = launches_in(session, access.project.id, span)
    chosen = funnel_steps(kpis, _steps(steps))
    query = DashboardQuery(
        access.project.id,
        span,
        chosen,
        retention_start=(retention_start or "").strip() or (chosen[-1] if chosen else None),
        retention_return=(retention_return or "").strip() or None,
        channel=channel,  # type: ignore[arg-type]
    )
    context = _sections(request, query, kpis, marks)
    context |= {"query": query, "channels": CHANNELS, "steps_text": ", ".join(chosen)}
    return render(request, "dashboard.html", context)


def _sections(request: Request, query: DashboardQuery, kpis: list, marks: list) -> dict[str, Any]:
    store, cache = request.app.state.runtime.store, _cache(request)
    t = translator(page_language(request))
    rows = read_kpis(store, cache, query, kpis)
    trends = {
        row.name: charts.kpi_trend(row.reading, marks) for row in rows if row.reading is not None
    }
    sections: dict[str, Any] = {"kpis": rows, "trends": trends, "marks": marks, "problems": {}}
    readers = {
        "funnel": lambda: read_funnel(store, cache, query) if len(query.steps) >= 2 else None,
        "retention": lambda: read_retention(store, cache, query),
        "channel_rows": lambda: read_channels(store, cache, query),
        "friction": lambda: read_friction(store, cache, query),
    }
    for name, read in readers.items():
        try:
            sections[name] = read()
        except LaunchloopError as bad:
            sections[name], sections["problems"][name] = None, str(bad)
    if sections["funnel"] is not None:
        labels = (t("went_on"), t("dropped"))
        sections["funnel_chart"] = charts.funnel_bars(sections["funnel"], labels)
    if sections["retention"] is not None:
        sections["retention_chart"] = charts.retention_heatmap(sections["retention"], t("cohort"))
    return sections
