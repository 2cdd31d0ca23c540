"""What the launch dashboard shows, computed by the analytics functions and cached a minute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from launchloop.analytics.filters import EventSpec
from launchloop.analytics.friction import (
    FrictionQuery,
    FrictionSpot,
    FrictionSummary,
    friction_hotspots,
    friction_summary,
)
from launchloop.analytics.funnels import FunnelQuery, FunnelResult, FunnelStep, funnel
from launchloop.analytics.kpis import Kpi, KpiReading, evaluate_kpi
from launchloop.analytics.retention import RetentionQuery, RetentionResult, retention
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.web import Channel, SessionGroup, WebQuery, traffic_sources
from launchloop.errors import InvalidInput, LaunchloopError
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import kpi_definition, list_kpis, list_launches
from launchloop.knowledge.project_time import project_day
from launchloop.store.base import EventStore
from launchloop.web.ui.query_cache import QueryCache

T = TypeVar("T")
CHANNELS: tuple[Channel, ...] = ("utm_source", "utm_medium", "utm_campaign", "referrer")
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class DashboardQuery:
    """The dashboard's inputs: project, local days, funnel steps, retention events, channel."""

    project_id: int
    span: DateRange
    steps: tuple[str, ...] = ()
    retention_start: str | None = None
    retention_return: str | None = None
    channel: Channel = "utm_source"


@dataclass(frozen=True)
class KpiRow:
    """One KPI on the dashboard: its reading, or why it cannot be read."""

    name: str
    owner_team: str
    target: float | None
    direction: str
    reading: KpiReading | None = None
    problem: str = ""


@dataclass(frozen=True)
class LaunchMark:
    """A launch date to annotate on the time charts."""

    name: str
    day: date


def declared_kpis(session: Session, project_id: int) -> list[Kpi | KpiRow]:
    """The project's KPIs kept in the knowledge base, as analytics KPIs when they validate."""
    found: list[Kpi | KpiRow] = []
    for row in list_kpis(session, project_id):
        try:
            found.append(kpi_definition(session, row))
        except InvalidInput as bad:
            found.append(KpiRow(row.name, "", row.target, row.direction, problem=str(bad)))
    return found


def read_kpis(
    store: EventStore, cache: QueryCache, query: DashboardQuery, kpis: list[Kpi | KpiRow]
) -> list[KpiRow]:
    """Each KPI's reading over the range (cached), or the reason it has none."""
    rows = []
    for kpi in kpis:
        if isinstance(kpi, KpiRow):
            rows.append(kpi)
            continue
        key = (query.project_id, "kpi", query.span, kpi)
        try:
            reading = cache.get(
                key, partial(evaluate_kpi, store, query.project_id, kpi, query.span)
            )
        except LaunchloopError as bad:
            row = KpiRow(kpi.name, kpi.owner_team, kpi.target, kpi.direction, problem=str(bad))
            rows.append(row)
            continue
        rows.append(KpiRow(kpi.name, kpi.owner_team, kpi.target, kpi.direction, reading))
    return rows


def funnel_steps(kpis: list[Kpi | KpiRow], chosen: tuple[str, ...]) -> tuple[str, ...]:
    """The funnel to draw: the chosen steps, else the first funnel KPI's events."""
    if chosen:
        return chosen
    for kpi in kpis:
        if isinstance(kpi, Kpi) and kpi.kind == "funnel_conversion":
            return kpi.events
    return ()


def _cached(cache: QueryCache, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    return cast(T, cache.get(key, compute))


def read_funnel(store: EventStore, cache: QueryCache, query: DashboardQuery) -> FunnelResult:
    """The funnel of ``query.steps`` over the range (cached)."""
    built = FunnelQuery(
        query.project_id, query.span, tuple(FunnelStep(event) for event in query.steps)
    )
    return _cached(cache, (query.project_id, "funnel", built), lambda: funnel(store, built))


def read_retention(store: EventStore, cache: QueryCache, query: DashboardQuery) -> RetentionResult:
    """Weekly cohorts of the start event followed by the return event (any event when unset)."""
    periods = max(1, min(8, query.span.days // 7))
    built = RetentionQuery(
        query.project_id,
        query.span,
        EventSpec(query.retention_start),
        EventSpec(query.retention_return),
        interval="week",
        periods=periods,
    )
    return _cached(cache, (query.project_id, "retention", built), lambda: retention(store, built))


def read_channels(
    store: EventStore, cache: QueryCache, query: DashboardQuery
) -> tuple[SessionGroup, ...]:
    """Sessions per value of the chosen channel of their entry page (cached)."""
    built = WebQuery(query.project_id, query.span, limit=10)
    return _cached(
        cache,
        (query.project_id, "channels", built, query.channel),
        lambda: traffic_sources(store, built, query.channel),
    )


def read_friction(
    store: EventStore, cache: QueryCache, query: DashboardQuery
) -> tuple[FrictionSummary, tuple[FrictionSpot, ...]]:
    """The friction counts and the top hot spots of the range (cached)."""
    built = FrictionQuery(query.project_id, query.span, limit=10)
    return _cached(
        cache,
        (query.project_id, "friction", built),
        lambda: (friction_summary(store, built), friction_hotspots(store, built)),
    )


def launches_in(session: Session, project_id: int, span: DateRange) -> list[LaunchMark]:
    """The project's launches dated inside the range, for annotations."""
    marks = []
    for launch in list_launches(session, project_id):
        if launch.launched_at is None:
            continue
        day = launch.launched_at.date()
        if span.start <= day <= span.end:
            marks.append(LaunchMark(launch.name, day))
    return marks


def default_span(database: Database, project_id: int) -> DateRange:
    """The range shown when none is asked for: the project's last 28 local days."""
    today, time_zone = project_day(database, project_id)
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today, time_zone)


def dashboard_inputs(
    database: Database,
    project_id: int,
    span: DateRange,
    steps: tuple[str, ...] = (),
    *,
    channel: Channel = "utm_source",
    retention_start: str | None = None,
    retention_return: str | None = None,
) -> tuple[DashboardQuery, list[Kpi | KpiRow], list[LaunchMark]]:
    """The dashboard's query (defaults filled in), the project's KPIs and launch marks."""
    with database.session() as session:
        kpis = declared_kpis(session, project_id)
        marks = launches_in(session, project_id, span)
    chosen = funnel_steps(kpis, steps)
    query = DashboardQuery(
        project_id,
        span,
        chosen,
        retention_start=(retention_start or "").strip() or (chosen[-1] if chosen else None),
        retention_return=(retention_return or "").strip() or None,
        channel=channel,
    )
    return query, kpis, marks


def read_dashboard(
    store: EventStore, cache: QueryCache, query: DashboardQuery, kpis: list[Kpi | KpiRow]
) -> dict[str, Any]:
    """Every figure of the dashboard (through the cache); ``problems`` names failed parts."""
    sections: dict[str, Any] = {"kpis": read_kpis(store, cache, query, kpis), "problems": {}}
    readers: dict[str, Callable[[], Any]] = {
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
    return sections
