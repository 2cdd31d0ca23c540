"""Signals over HTTP: record them, list them, and turn one into a draft insight."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from launchloop.knowledge.insights import draft_insight_from_signal
from launchloop.knowledge.signals import create_signal, list_signals
from launchloop.web.api.insights import InsightPublic
from launchloop.web.api.knowledge import CallerDep, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

SignalKind = Literal[
    "kpi_moved", "kpi_off_target", "funnel_drop", "theme_surge", "friction_hotspot", "observation"
]
Text = Annotated[str, Field(max_length=200)]


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


@router.post(
    "/signals/{signal_id}/insight",
    response_model=InsightPublic,
    status_code=201,
    summary="Draft an insight from a signal",
)
def post_signal_insight(request: Request, caller: CallerDep, signal_id: int) -> InsightPublic:
    """A draft insight stating the signal's text, citing the signal as its first evidence."""
    with transaction(request) as session:
        insight = draft_insight_from_signal(session, caller, signal_id)
        return InsightPublic.model_validate(insight)
