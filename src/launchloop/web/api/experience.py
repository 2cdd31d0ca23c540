"""Web and friction analytics over HTTP (secret token): one call per dashboard panel group."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from launchloop.analytics import friction, web
from launchloop.analytics.filters import PropertyFilter, parse_filters
from launchloop.analytics.timeframe import DateRange
from launchloop.knowledge.project_time import project_time_zone
from launchloop.runtime import Runtime
from launchloop.web.api.query import FilterIn
from launchloop.web.auth import SecretProject

router = APIRouter(prefix="/api/v1/query", tags=["analytics"])


class ExperienceIn(BaseModel):
    """Local days of the project (both included), filters and how many rows per list."""

    date_from: date
    date_to: date
    time_zone: str | None = Field(None, description="Default: the project's time zone.")
    filters: list[FilterIn] = []
    limit: int = Field(20, ge=1, le=1000)


class WebIn(ExperienceIn):
    """Web analytics; ``activation`` adds the activation conversion per ``channel``."""

    activation: str | None = Field(None, min_length=1, max_length=200)
    channel: Literal["referrer", "utm_source", "utm_medium", "utm_campaign"] = "utm_source"


class FrictionIn(ExperienceIn):
    """Friction; ``slow_ms`` is the slow-page threshold."""

    slow_ms: float = Field(4000.0, gt=0, le=600_000)


class OverviewOut(BaseModel):
    """Visitors, page views, sessions, bounces and session lengths (seconds)."""

    model_config = ConfigDict(from_attributes=True)
    visitors: int
    page_views: int
    sessions: int
    bounced_sessions: int
    bounce_rate: float | None
    mean_session_seconds: float | None
    median_session_seconds: float | None


class ChannelOut(BaseModel):
    """Visitors first seen through a channel value, activated ones and the conversion."""

    model_config = ConfigDict(from_attributes=True)
    value: str
    visitors: int
    activated: int
    conversion: float | None


class WebOut(BaseModel):
    """Every web panel of the range."""

    overview: OverviewOut
    top_pages: list[web.PageStat]
    entry_pages: list[web.SessionGroup]
    exit_pages: list[web.SessionGroup]
    referrers: list[web.SessionGroup]
    utm_sources: list[web.SessionGroup]
    utm_mediums: list[web.SessionGroup]
    utm_campaigns: list[web.SessionGroup]
    channels: list[ChannelOut] | None


class SummaryOut(BaseModel):
    """Friction counts, sessions and rates per 1,000 sessions."""

    sessions: int
    rage_clicks: int
    dead_clicks: int
    errors: int
    slow_pages: int
    abandoned_forms: int
    per_1000_sessions: dict[str, float | None]
    friction_rate: float | None


class FormOut(BaseModel):
    """A page's started and abandoned forms."""

    model_config = ConfigDict(from_attributes=True)
    path: str
    started: int
    abandoned: int
    rate: float


class FrictionOut(BaseModel):
    """Every friction panel of the range."""

    summary: SummaryOut
    hotspots: list[friction.FrictionSpot]
    forms: list[FormOut]


def _scope(
    request: Request, project_id: int, body: ExperienceIn
) -> tuple[DateRange, tuple[PropertyFilter, ...]]:
    runtime: Runtime = request.app.state.runtime
    zone = body.time_zone or project_time_zone(runtime.database, project_id)
    filters = parse_filters([item.model_dump() for item in body.filters], "filters")
    return DateRange(body.date_from, body.date_to, zone), filters


@router.post("/web", response_model=WebOut, summary="Web analytics")
def query_web(request: Request, project_id: SecretProject, body: WebIn) -> WebOut:
    """Visitors, sessions, bounce rate, pages, referrers, UTM and activation per channel."""
    store = request.app.state.runtime.store
    span, filters = _scope(request, project_id, body)
    query = web.WebQuery(project_id, span, filters, body.limit)
    channels = (
        [
            ChannelOut.model_validate(row)
            for row in web.channel_conversion(store, query, body.channel, body.activation)
        ]
        if body.activation
        else None
    )
    return WebOut(
        overview=OverviewOut.model_validate(web.web_overview(store, query)),
        top_pages=list(web.top_pages(store, query)),
        entry_pages=list(web.session_pages(store, query, "entry")),
        exit_pages=list(web.session_pages(store, query, "exit")),
        referrers=list(web.traffic_sources(store, query, "referrer")),
        utm_sources=list(web.traffic_sources(store, query, "utm_source")),
        utm_mediums=list(web.traffic_sources(store, query, "utm_medium")),
        utm_campaigns=list(web.traffic_sources(store, query, "utm_campaign")),
        channels=channels,
    )


@router.post("/friction", response_model=FrictionOut, summary="Friction analytics")
def query_friction(request: Request, project_id: SecretProject, body: FrictionIn) -> FrictionOut:
    """Rage and dead clicks, errors, slow pages, abandoned forms: totals, hot spots, forms."""
    store = request.app.state.runtime.store
    span, filters = _scope(request, project_id, body)
    query = friction.FrictionQuery(project_id, span, filters, body.limit, body.slow_ms)
    summary = friction.friction_summary(store, query)
    counts = {
        "rage_clicks": summary.rage_clicks,
        "dead_clicks": summary.dead_clicks,
        "errors": summary.errors,
        "slow_pages": summary.slow_pages,
        "abandoned_forms": summary.abandoned_forms,
    }
    return FrictionOut(
        summary=SummaryOut(
            sessions=summary.sessions,
            **counts,
            per_1000_sessions={k: summary.per_1000_sessions(v) for k, v in counts.items()},
            friction_rate=summary.friction_rate,
        ),
        hotspots=list(friction.friction_hotspots(store, query)),
        forms=[FormOut.model_validate(form) for form in friction.form_abandonment(store, query)],
    )
