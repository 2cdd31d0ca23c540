"""Knowledge base API: launches, their KPI definitions, and signals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from launchloop.knowledge.launches import create_kpi, create_launch, list_kpis, list_launches
from launchloop.knowledge.signals import create_signal, list_signals
from launchloop.web.api.knowledge import CallerDep, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

KpiKind = Literal[
    "count",
    "unique",
    "ratio",
    "funnel_conversion",
    "retention",
    "adoption",
    "friction_rate",
    "nps",
    "csat",
]
SignalKind = Literal[
    "kpi_moved", "kpi_off_target", "funnel_drop", "theme_surge", "friction_hotspot", "observation"
]
Text = Annotated[str, Field(max_length=200)]


class LaunchCreate(BaseModel):
    """A launch: what was shipped, when, and its hypotheses."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    launched_at: datetime | None = None
    hypotheses: list[Annotated[str, Field(max_length=2_000)]] = Field(default_factory=list)


class LaunchPublic(Record, LaunchCreate):
    """A launch."""


class KpiCreate(BaseModel):
    """A KPI definition with its owner team, target and direction."""

    name: str = Field(min_length=1, max_length=200)
    kind: KpiKind
    definition: dict[str, Any] = Field(default_factory=dict)
    launch_id: int | None = None
    owner_team_id: int | None = None
    target: float | None = None
    direction: Literal["up", "down"] = "up"


class KpiPublic(Record, KpiCreate):
    """A KPI."""


class SignalCreate(BaseModel):
    """A signal and the data behind it."""

    kind: SignalKind
    text: str = Field(min_length=1, max_length=10_000)
    source: str = Field("", max_length=200)
    observed_at: datetime | None = None
    team_id: int | None = None
    launch_id: int | None = None
    kpi_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] | None = None
    feedback_ids: list[Text] = Field(default_factory=list)


class SignalPublic(Record, SignalCreate):
    """A signal."""

    observed_at: datetime


@router.post(
    "/knowledge/launches", response_model=LaunchPublic, status_code=201, summary="Add a launch"
)
def post_launch(request: Request, caller: CallerDep, body: LaunchCreate) -> LaunchPublic:
    """Record a launch."""
    with transaction(request) as session:
        return LaunchPublic.model_validate(create_launch(session, caller, **body.model_dump()))


@router.get("/knowledge/launches", response_model=list[LaunchPublic], summary="Launches")
def get_launches(request: Request, caller: CallerDep) -> list[LaunchPublic]:
    """The project's launches, newest first."""
    with transaction(request) as session:
        return [LaunchPublic.model_validate(x) for x in list_launches(session, caller.project_id)]


@router.post("/knowledge/kpis", response_model=KpiPublic, status_code=201, summary="Declare a KPI")
def post_kpi(request: Request, caller: CallerDep, body: KpiCreate) -> KpiPublic:
    """Declare a KPI (stored in the knowledge base)."""
    with transaction(request) as session:
        return KpiPublic.model_validate(create_kpi(session, caller, **body.model_dump()))


@router.get("/knowledge/kpis", response_model=list[KpiPublic], summary="KPIs")
def get_kpis(request: Request, caller: CallerDep, launch_id: int | None = None) -> list[KpiPublic]:
    """The project's KPIs, of one launch when given."""
    with transaction(request) as session:
        found = list_kpis(session, caller.project_id, launch_id=launch_id)
        return [KpiPublic.model_validate(k) for k in found]


@router.post("/signals", response_model=SignalPublic, status_code=201, summary="Add a signal")
def post_signal(request: Request, caller: CallerDep, body: SignalCreate) -> SignalPublic:
    """Record a signal (detected or observed)."""
    with transaction(request) as session:
        return SignalPublic.model_validate(create_signal(session, caller, **body.model_dump()))


@router.get("/signals", response_model=list[SignalPublic], summary="Signals")
def get_signals(
    request: Request,
    caller: CallerDep,
    kind: SignalKind | None = None,
    team_id: int | None = None,
    launch_id: int | None = None,
    limit: int = Query(100, ge=1, le=1_000),
) -> list[SignalPublic]:
    """The project's signals, newest first."""
    with transaction(request) as session:
        found = list_signals(
            session, caller.project_id, kind=kind, team_id=team_id, launch_id=launch_id, limit=limit
        )
        return [SignalPublic.model_validate(s) for s in found]
