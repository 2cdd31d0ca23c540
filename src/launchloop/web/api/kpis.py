"""KPIs and launches over HTTP (secret token), kept in the knowledge base: declare, list,
evaluate, and compare a launch before/after. ``launchloop.toml`` declarations are synced in at
startup; a KPI written here is validated as the analytics evaluate it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from datetime import date as Day
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from launchloop.analytics.kpis import evaluate_kpi, period_range
from launchloop.analytics.launches import compare_launch
from launchloop.knowledge.launches import (
    catalog_of,
    create_kpi,
    create_launch,
    kpi_definition,
    launch_name,
    link_kpis,
    list_kpis,
    list_launches,
)
from launchloop.knowledge.project_time import project_day
from launchloop.runtime import Runtime
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["kpis"])

UNTIL = Query(None, description="Last day read, YYYY-MM-DD (default: today, project time).")
KpiKind = Literal[
    "count", "unique", "ratio", "funnel_conversion", "retention", "adoption", "friction_rate"
]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class FilterPublic(BaseModel):
    """A KPI's property filter."""

    key: str
    type: str
    operator: str
    value: str | float | None


class FilterIn(BaseModel):
    """A property filter of a KPI."""

    key: str = Field(max_length=200)
    type: Literal["event", "column", "person"] = "event"
    operator: str = "eq"
    value: str | float | bool | None = None


class KpiCreate(BaseModel):
    """A KPI declaration (the fields of a ``[[kpis]]`` table) and the launch it measures."""

    name: str = Field(min_length=1, max_length=100)
    kind: KpiKind
    events: list[Name] = Field(default_factory=list, max_length=10)
    denominator: list[Name] = Field(default_factory=list, max_length=10)
    filters: list[FilterIn] = Field(default_factory=list, max_length=20)
    math: Literal["count", "unique"] = "count"
    owner_team: str = Field("product", max_length=100)
    target: float | None = None
    direction: Literal["up", "down"] = "up"
    window_days: int = 7
    description: str = Field("", max_length=2_000)
    launch_id: int | None = None


class KpiPublic(BaseModel):
    """A KPI kept in the knowledge base."""

    id: int
    name: str
    kind: str
    events: list[str]
    denominator: list[str]
    filters: list[FilterPublic]
    math: str
    owner_team: str
    target: float | None
    direction: str
    window_days: int
    description: str
    launch: str | None


class DailyValuePublic(BaseModel):
    """A KPI's value on one local day (null: not measurable)."""

    day: str
    value: float | None


class KpiReadingPublic(BaseModel):
    """A KPI over a period: value, previous period, target gap, daily series."""

    kpi: str
    owner_team: str
    date_from: str
    date_to: str
    time_zone: str
    value: float | None
    previous: float | None
    change: float | None
    target: float | None
    direction: str
    target_gap: float | None
    on_target: bool | None
    series: list[DailyValuePublic]


class LaunchCreate(BaseModel):
    """A launch: what was shipped, its date, its hypotheses and the KPIs that measure it."""

    name: str = Field(min_length=1, max_length=200)
    date: Day | None = None
    kpis: list[Name] = Field(default_factory=list, max_length=50)
    description: str = Field("", max_length=20_000)
    hypotheses: list[Annotated[str, Field(max_length=2_000)]] = Field(default_factory=list)


class LaunchPublic(BaseModel):
    """A launch kept in the knowledge base."""

    id: int
    name: str
    date: str | None
    kpis: list[str]
    description: str
    hypotheses: list[str]


class RangePublic(BaseModel):
    """Local days, both included."""

    date_from: str
    date_to: str


class KpiComparisonPublic(BaseModel):
    """One KPI before and after a launch."""

    kpi: str
    owner_team: str
    direction: str
    before: float | None
    after: float | None
    change: float | None
    relative_change: float | None
    improved: bool | None
    after_on_target: bool | None
    after_series: list[DailyValuePublic]


class LaunchComparisonPublic(BaseModel):
    """Every KPI of a launch before and after its date."""

    launch: str
    date: str
    before: RangePublic
    after: RangePublic
    kpis: list[KpiComparisonPublic]


def _kpi_public(session: Session, row: Any) -> KpiPublic:
    definition = kpi_definition(session, row).as_dict()
    return KpiPublic(id=row.id, launch=launch_name(session, row.launch_id), **definition)


def _launch_public(session: Session, project_id: int, row: Any) -> LaunchPublic:
    kpis = [k.name for k in list_kpis(session, project_id, launch_id=row.id)]
    day = row.launched_at.date().isoformat() if row.launched_at else None
    return LaunchPublic(
        id=row.id,
        name=row.name,
        date=day,
        kpis=kpis,
        description=row.description,
        hypotheses=row.hypotheses,
    )


@router.get("/kpis", response_model=list[KpiPublic], summary="KPIs")
def get_kpis(request: Request, caller: CallerDep, launch_id: int | None = None) -> list[KpiPublic]:
    """The project's KPIs (of one launch when given), by name; invalid stored ones are left out."""
    with transaction(request) as session:
        names = {k.name for k in catalog_of(session, caller.project_id).kpis}
        rows = list_kpis(session, caller.project_id, launch_id=launch_id)
        return [_kpi_public(session, row) for row in rows if row.name in names]


@router.post("/kpis", response_model=KpiPublic, status_code=201, summary="Declare a KPI")
def post_kpi(request: Request, caller: CallerDep, body: KpiCreate) -> KpiPublic:
    """Declare a KPI (validated as the analytics evaluate it; 422 names the bad field)."""
    with transaction(request) as session:
        definition = body.model_dump(exclude={"launch_id"})
        row = create_kpi(session, caller, definition, launch_id=body.launch_id)
        return _kpi_public(session, row)


@router.get("/kpis/{name}", response_model=KpiReadingPublic, summary="Evaluate a KPI")
def read_kpi(
    request: Request,
    caller: CallerDep,
    name: str,
    period: str = Query("7d", description="Days (7d) or weeks (4w) ending on `until`."),
    until: str | None = UNTIL,
) -> dict[str, Any]:
    """A KPI's value over the period, the previous period, the target gap and a daily series."""
    runtime: Runtime = request.app.state.runtime
    with transaction(request) as session:
        kpi = catalog_of(session, caller.project_id).kpi(name)
    last, time_zone = project_day(runtime.database, caller.project_id, until)
    span = period_range(period, until=last, time_zone=time_zone)
    return evaluate_kpi(runtime.store, caller.project_id, kpi, span).as_dict()


@router.get("/launches", response_model=list[LaunchPublic], summary="Launches")
def get_launches(request: Request, caller: CallerDep) -> list[LaunchPublic]:
    """The project's launches, newest first, with the KPIs that measure them."""
    with transaction(request) as session:
        rows = list_launches(session, caller.project_id)
        return [_launch_public(session, caller.project_id, row) for row in rows]


@router.post("/launches", response_model=LaunchPublic, status_code=201, summary="Add a launch")
def post_launch(request: Request, caller: CallerDep, body: LaunchCreate) -> LaunchPublic:
    """Record a launch and link its KPIs (each must be declared)."""
    launched_at = datetime.combine(body.date, time(), UTC) if body.date else None
    with transaction(request) as session:
        row = create_launch(
            session,
            caller,
            name=body.name,
            description=body.description,
            launched_at=launched_at,
            hypotheses=body.hypotheses,
        )
        session.flush()
        link_kpis(session, caller, row, body.kpis)
        return _launch_public(session, caller.project_id, row)


@router.get(
    "/launches/{name}/comparison",
    response_model=LaunchComparisonPublic,
    summary="A launch's KPIs before and after",
)
def compare(
    request: Request,
    caller: CallerDep,
    name: str,
    days: int = Query(14, ge=1, le=365, description="Days on each side of the launch date."),
    until: str | None = UNTIL,
) -> dict[str, Any]:
    """Each KPI of the launch over the days after its date and as many days before."""
    runtime: Runtime = request.app.state.runtime
    with transaction(request) as session:
        catalog = catalog_of(session, caller.project_id)
    last, time_zone = project_day(runtime.database, caller.project_id, until)
    result = compare_launch(
        runtime.store,
        caller.project_id,
        catalog.launch(name),
        catalog.kpis,
        days=days,
        today=last,
        time_zone=time_zone,
    )
    return result.as_dict()
