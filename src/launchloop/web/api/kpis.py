"""KPIs and launches over HTTP (secret token): list, evaluate, compare a launch before/after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from launchloop.analytics.catalog import load_catalog
from launchloop.analytics.kpis import evaluate_kpi, period_range
from launchloop.analytics.launches import compare_launch
from launchloop.knowledge.project_time import project_day
from launchloop.runtime import Runtime
from launchloop.web.auth import SecretProject

router = APIRouter(prefix="/api/v1", tags=["kpis"])

UNTIL = Query(None, description="Last day read, YYYY-MM-DD (default: today, project time).")


class FilterPublic(BaseModel):
    """A KPI's property filter."""

    key: str
    type: str
    operator: str
    value: str | float | None


class KpiPublic(BaseModel):
    """A declared KPI."""

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


class LaunchPublic(BaseModel):
    """A declared launch."""

    name: str
    date: str
    kpis: list[str]
    description: str


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


@router.get("/kpis", response_model=list[KpiPublic], summary="Declared KPIs")
def list_kpis(_: SecretProject) -> list[dict[str, Any]]:
    """The KPIs declared in launchloop.toml."""
    return [kpi.as_dict() for kpi in load_catalog().kpis]


@router.get("/kpis/{name}", response_model=KpiReadingPublic, summary="Evaluate a KPI")
def read_kpi(
    request: Request,
    project_id: SecretProject,
    name: str,
    period: str = Query("7d", description="Days (7d) or weeks (4w) ending on `until`."),
    until: str | None = UNTIL,
) -> dict[str, Any]:
    """A KPI's value over the period, the previous period, the target gap and a daily series."""
    runtime: Runtime = request.app.state.runtime
    kpi = load_catalog().kpi(name)
    last, time_zone = project_day(runtime.database, project_id, until)
    span = period_range(period, until=last, time_zone=time_zone)
    return evaluate_kpi(runtime.store, project_id, kpi, span).as_dict()


@router.get("/launches", response_model=list[LaunchPublic], summary="Declared launches")
def list_launches(_: SecretProject) -> list[dict[str, Any]]:
    """The launches declared in launchloop.toml."""
    return [
        {
            "name": x.name,
            "date": x.date.isoformat(),
            "kpis": list(x.kpis),
            "description": x.description,
        }
        for x in load_catalog().launches
    ]


@router.get(
    "/launches/{name}/comparison",
    response_model=LaunchComparisonPublic,
    summary="A launch's KPIs before and after",
)
def compare(
    request: Request,
    project_id: SecretProject,
    name: str,
    days: int = Query(14, ge=1, le=365, description="Days on each side of the launch date."),
    until: str | None = UNTIL,
) -> dict[str, Any]:
    """Each KPI of the launch over the days after its date and as many days before."""
    runtime: Runtime = request.app.state.runtime
    catalog = load_catalog()
    last, time_zone = project_day(runtime.database, project_id, until)
    result = compare_launch(
        runtime.store,
        project_id,
        catalog.launch(name),
        catalog.kpis,
        days=days,
        today=last,
        time_zone=time_zone,
    )
    return result.as_dict()
