"""Analytics over HTTP (secret token): trends, funnel, retention, lifecycle, stickiness, paths.

The handlers parse the JSON body (pydantic), build the library query, run it and return its
frozen dataclass result; bad input answers 422 naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from launchloop.analytics import funnels, lifecycle, paths, retention, trends
from launchloop.analytics.filters import EventSpec, parse_event, parse_filters, property_ref
from launchloop.analytics.timeframe import DateRange, check_interval
from launchloop.errors import NotFound
from launchloop.knowledge.models import Project
from launchloop.runtime import Runtime
from launchloop.web.auth import SecretProject

router = APIRouter(prefix="/api/v1/query", tags=["analytics"])


class FilterIn(BaseModel):
    """``key operator value`` on an event property, an extracted column or a person property."""

    key: str
    operator: str = "eq"
    value: str | float | bool | None = None
    type: Literal["event", "column", "person"] = "event"


class PropertyIn(BaseModel):
    """A property to measure or break down by."""

    key: str
    type: Literal["event", "column", "person"] = "event"


class EventIn(BaseModel):
    """An event name (null: any event) and filters on it."""

    event: str | None = Field(None, max_length=200)
    filters: list[FilterIn] = []


class RangeIn(BaseModel):
    """Local calendar days of the project's time zone, both included."""

    date_from: date
    date_to: date
    time_zone: str | None = Field(None, description="Default: the project's time zone.")


class TrendsIn(RangeIn):
    """A trend: one event, a measure, buckets, filters, a breakdown and a comparison."""

    event: str | None = Field(None, max_length=200)
    interval: str = "day"
    math: Literal["count", "unique", "sum", "avg"] = "count"
    math_property: PropertyIn | None = None
    filters: list[FilterIn] = []
    breakdown: PropertyIn | None = None
    breakdown_limit: int = Field(10, ge=1, le=50)
    compare: bool = False


class StepIn(BaseModel):
    """A funnel step."""

    event: str = Field(min_length=1, max_length=200)
    filters: list[FilterIn] = []
    name: str | None = None


class ExclusionIn(StepIn):
    """An event that voids a chain between two steps (numbered from 1)."""

    from_step: int = Field(ge=1)
    to_step: int = Field(ge=2)


class FunnelIn(RangeIn):
    """A funnel; ``dropped_step`` also lists the persons who dropped after that step."""

    steps: list[StepIn] = Field(min_length=2, max_length=10)
    window_seconds: int = Field(14 * 86_400, ge=1, le=funnels.MAX_WINDOW)
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclusions: list[ExclusionIn] = Field([], max_length=funnels.MAX_EXCLUSIONS)
    filters: list[FilterIn] = []
    breakdown: PropertyIn | None = None
    breakdown_limit: int = Field(10, ge=1, le=50)
    dropped_step: int | None = Field(None, ge=1)
    dropped_limit: int = Field(100, ge=1, le=10_000)


class RetentionIn(RangeIn):
    """Cohorts by first start event; returns of the return event."""

    start: EventIn
    returning: EventIn
    interval: Literal["day", "week", "month"] = "week"
    periods: int = Field(8, ge=1, le=retention.MAX_PERIODS)


class ActivityIn(RangeIn):
    """Persons who do an event, bucketed (lifecycle, stickiness)."""

    event: EventIn
    interval: str = "day"


class PathsIn(RangeIn):
    """Paths after or before the first anchor event of each person."""

    anchor: EventIn
    direction: Literal["after", "before"] = "after"
    steps: int = Field(3, ge=1, le=10)
    items: Literal["event", "page"] = "event"
    limit: int = Field(20, ge=1, le=1000)


class FunnelOut(BaseModel):
    """A funnel result and, when asked, the persons who dropped after ``dropped_step``."""

    result: Any
    dropped_persons: list[str] | None = None


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def _span(runtime: Runtime, project_id: int, body: RangeIn) -> DateRange:
    zone = body.time_zone
    if zone is None:
        with runtime.database.session() as session:
            project = session.get(Project, project_id)
            if project is None:
                raise NotFound(f"no project with id {project_id}")
            zone = project.time_zone
    return DateRange(body.date_from, body.date_to, zone)


def _filters(items: list[FilterIn], field: str) -> tuple[Any, ...]:
    return parse_filters([item.model_dump() for item in items], field)


def _event(item: EventIn, field: str) -> EventSpec:
    return parse_event(item.model_dump(), field)


@router.post("/trends", summary="Trend over time")
def query_trends(request: Request, project_id: SecretProject, body: TrendsIn) -> Any:
    """Count, unique persons, sum or average of an event per bucket, with breakdown."""
    runtime = _runtime(request)
    query = trends.TrendsQuery(
        project_id=project_id,
        span=_span(runtime, project_id, body),
        event=body.event,
        interval=check_interval(body.interval),
        math=body.math,
        math_property=_property(body.math_property, "math_property"),
        filters=_filters(body.filters, "filters"),
        breakdown=_property(body.breakdown, "breakdown"),
        breakdown_limit=body.breakdown_limit,
        compare=body.compare,
    )
    return trends.trends(runtime.store, query)


def _property(item: PropertyIn | None, field: str) -> Any:
    return property_ref(item.key, item.type, field=field) if item else None


@router.post("/funnel", response_model=FunnelOut, summary="Funnel")
def query_funnel(request: Request, project_id: SecretProject, body: FunnelIn) -> FunnelOut:
    """Persons through 2-10 steps within a window: per step counts, conversion and times."""
    runtime = _runtime(request)
    query = funnels.FunnelQuery(
        project_id=project_id,
        span=_span(runtime, project_id, body),
        steps=tuple(
            funnels.FunnelStep(s.event, _filters(s.filters, f"steps[{i}].filters"), s.name)
            for i, s in enumerate(body.steps)
        ),
        window_seconds=body.window_seconds,
        order=body.order,
        exclusions=tuple(
            funnels.FunnelExclusion(
                x.event, x.from_step, x.to_step, _filters(x.filters, f"exclusions[{i}].filters")
            )
            for i, x in enumerate(body.exclusions)
        ),
        filters=_filters(body.filters, "filters"),
        breakdown=_property(body.breakdown, "breakdown"),
        breakdown_limit=body.breakdown_limit,
    )
    result = funnels.funnel(runtime.store, query)
    dropped = None
    if body.dropped_step is not None:
        dropped = list(
            funnels.dropped_persons(
                runtime.store, query, body.dropped_step, limit=body.dropped_limit
            )
        )
    return FunnelOut(result=result, dropped_persons=dropped)


@router.post("/retention", summary="Retention cohorts")
def query_retention(request: Request, project_id: SecretProject, body: RetentionIn) -> Any:
    """The cohort table: persons by first start event, and their returns per period."""
    runtime = _runtime(request)
    query = retention.RetentionQuery(
        project_id=project_id,
        span=_span(runtime, project_id, body),
        start=_event(body.start, "start"),
        returning=_event(body.returning, "returning"),
        interval=body.interval,
        periods=body.periods,
    )
    return retention.retention(runtime.store, query)


def _activity(request: Request, project_id: int, body: ActivityIn) -> lifecycle.ActivityQuery:
    return lifecycle.ActivityQuery(
        project_id=project_id,
        span=_span(_runtime(request), project_id, body),
        event=_event(body.event, "event"),
        interval=check_interval(body.interval),
    )


@router.post("/lifecycle", summary="Lifecycle")
def query_lifecycle(request: Request, project_id: SecretProject, body: ActivityIn) -> Any:
    """New, returning, resurrecting and dormant persons per bucket."""
    query = _activity(request, project_id, body)
    return lifecycle.lifecycle(_runtime(request).store, query)


@router.post("/stickiness", summary="Stickiness")
def query_stickiness(request: Request, project_id: SecretProject, body: ActivityIn) -> Any:
    """Persons by how many buckets of the range they were active in."""
    query = _activity(request, project_id, body)
    return lifecycle.stickiness(_runtime(request).store, query)


@router.post("/paths", summary="Paths")
def query_paths(request: Request, project_id: SecretProject, body: PathsIn) -> Any:
    """The most frequent next or previous events (or pages) around an event."""
    runtime = _runtime(request)
    query = paths.PathsQuery(
        project_id=project_id,
        span=_span(runtime, project_id, body),
        anchor=_event(body.anchor, "anchor"),
        direction=body.direction,
        steps=body.steps,
        items=body.items,
        limit=body.limit,
    )
    return paths.paths(runtime.store, query)
