"""Rituals over HTTP (issue 9): the weekly reading's agenda (JSON, Markdown, HTML) and the
decisions taken at rituals."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, Field

from launchloop.knowledge.project_time import project_day
from launchloop.loop.ritual_fortnightly import fortnightly_agenda
from launchloop.loop.ritual_monthly import monthly_review
from launchloop.loop.ritual_monthly_reports import monthly_html, monthly_markdown
from launchloop.loop.ritual_reports import (
    fortnightly_html,
    fortnightly_markdown,
    weekly_html,
    weekly_markdown,
)
from launchloop.loop.rituals import list_decisions, record_decision, weekly_agenda
from launchloop.runtime import Runtime
from launchloop.web.api.knowledge import CallerDep, Record, transaction
from launchloop.web.api.responses import REPORT_FORMATS

router = APIRouter(prefix="/api/v1", tags=["loop"])
Ritual = Literal["weekly", "fortnightly", "monthly"]


class DecisionCreate(BaseModel):
    """A decision taken at a ritual and what it stands on."""

    ritual: Ritual
    text: str = Field(min_length=1, max_length=10_000)
    held_on: date
    launch: str | None = Field(None, max_length=200)
    cites: list[str] = Field(default_factory=list, max_length=100)


class DecisionPublic(Record):
    """A recorded ritual decision."""

    ritual: str
    text: str
    held_on: date
    launch_id: int | None
    cites: list[str]


@router.get("/rituals/weekly", responses=REPORT_FORMATS, summary="The weekly KPI reading")
def get_weekly(
    request: Request,
    caller: CallerDep,
    launch: str | None = Query(None, description="Only this launch's KPIs and items."),
    until: str | None = Query(None, description="Last day of the week (default: today)."),
    format: Literal["json", "markdown", "html"] = "json",
) -> Any:
    """Every KPI with value, previous week, target and daily series; new signals; drafts
    waiting; actions due for evaluation; decisions already taken this week."""
    runtime: Runtime = request.app.state.runtime
    last, time_zone = project_day(runtime.database, caller.project_id, until)
    with transaction(request) as session:
        agenda = weekly_agenda(
            runtime.store, session, caller.project_id, until=last, time_zone=time_zone,
            launch=launch,
        )  # fmt: skip
    if format == "markdown":
        return PlainTextResponse(weekly_markdown(agenda), media_type="text/markdown")
    if format == "html":
        return HTMLResponse(weekly_html(agenda))
    return agenda.as_dict()


@router.get(
    "/rituals/fortnightly",
    responses=REPORT_FORMATS,
    summary="The fortnightly experiment definition",
)
def get_fortnightly(
    request: Request, caller: CallerDep, format: Literal["json", "markdown", "html"] = "json"
) -> Any:
    """Validated insights without an action; the top of the backlog with the persons and days
    each needs at the measured traffic; the running experiments."""
    runtime: Runtime = request.app.state.runtime
    with transaction(request) as session:
        agenda = fortnightly_agenda(runtime.store, session, caller.project_id)
    if format == "markdown":
        return PlainTextResponse(fortnightly_markdown(agenda), media_type="text/markdown")
    if format == "html":
        return HTMLResponse(fortnightly_html(agenda))
    return agenda.as_dict()


@router.get(
    "/rituals/monthly", responses=REPORT_FORMATS, summary="The monthly generalization review"
)
def get_monthly(
    request: Request,
    caller: CallerDep,
    launch: str | None = Query(None, description="Only this launch's items."),
    until: str | None = Query(None, description="Last day of the 30 days (default: today)."),
    format: Literal["json", "markdown", "html"] = "json",
) -> Any:
    """Concluded experiments and evaluated actions with measured vs expected impact and a
    proposal (generalize, iterate, stop); learnings to capitalize; insights to re-validate."""
    runtime: Runtime = request.app.state.runtime
    last, _ = project_day(runtime.database, caller.project_id, until)
    with transaction(request) as session:
        review = monthly_review(session, caller.project_id, until=last, launch=launch)
    if format == "markdown":
        return PlainTextResponse(monthly_markdown(review), media_type="text/markdown")
    if format == "html":
        return HTMLResponse(monthly_html(review))
    return review.as_dict()


@router.post(
    "/rituals/decisions",
    response_model=DecisionPublic,
    status_code=201,
    summary="Record a ritual decision",
)
def post_decision(request: Request, caller: CallerDep, body: DecisionCreate) -> DecisionPublic:
    """Keep a decision taken at a ritual, citing insights, learnings, signals or actions."""
    with transaction(request) as session:
        row = record_decision(session, caller, **body.model_dump())
        return DecisionPublic.model_validate(row)


@router.get("/rituals/decisions", response_model=list[DecisionPublic], summary="Ritual decisions")
def get_decisions(
    request: Request, caller: CallerDep, ritual: Ritual | None = None
) -> list[DecisionPublic]:
    """The decisions taken at rituals, newest first."""
    with transaction(request) as session:
        rows = list_decisions(session, caller.project_id, ritual)
        return [DecisionPublic.model_validate(row) for row in rows]
