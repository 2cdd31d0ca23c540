"""The ritual pages (issue 9): the weekly reading with its decision form, the fortnightly
experiment definition and the monthly generalization review, each with its exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.project_time import project_day
from launchloop.loop.ritual_fortnightly import FortnightlyAgenda, fortnightly_agenda
from launchloop.loop.ritual_monthly import MonthlyReview, monthly_review
from launchloop.loop.ritual_monthly_reports import (
    HEADERS,
    monthly_html,
    monthly_markdown,
    outcome_cells,
)
from launchloop.loop.ritual_reports import (
    figure,
    fortnightly_html,
    fortnightly_markdown,
    signed,
    sparkline_svg,
    weekly_html,
    weekly_markdown,
)
from launchloop.loop.rituals import WeeklyAgenda, record_decision, weekly_agenda
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
Launch = Annotated[str | None, Query(max_length=200)]
Until = Annotated[str | None, Query(max_length=10)]


def _agenda(
    request: Request, project_id: int, launch: str | None, until: str | None
) -> WeeklyAgenda:
    database = database_of(request)
    last, time_zone = project_day(database, project_id, until)
    with database.session() as session:
        return weekly_agenda(
            request.app.state.runtime.store, session, project_id, until=last,
            time_zone=time_zone, launch=launch or None,
        )  # fmt: skip


@router.get("/app/{project_id}/rituals/weekly", response_class=HTMLResponse)
def weekly_page(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> HTMLResponse:
    """The weekly KPI reading: KPIs with sparklines, signals, drafts, evaluations, decisions."""
    agenda = _agenda(request, access.project.id, launch, until)
    context = {
        "agenda": agenda,
        "figure": figure,
        "signed": signed,
        "sparkline": sparkline_svg,
        "query": request.url.query,
    }
    return render(request, "ritual_weekly.html", context)


@router.get("/app/{project_id}/rituals/weekly.md", response_class=PlainTextResponse)
def weekly_markdown_page(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> PlainTextResponse:
    """The weekly reading as Markdown."""
    agenda = _agenda(request, access.project.id, launch, until)
    return PlainTextResponse(weekly_markdown(agenda), media_type="text/markdown")


@router.get("/app/{project_id}/rituals/weekly.html", response_class=HTMLResponse)
def weekly_printable(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> HTMLResponse:
    """The weekly reading as one printable HTML page (print it to PDF from the browser)."""
    return HTMLResponse(weekly_html(_agenda(request, access.project.id, launch, until)))


@router.post("/app/{project_id}/rituals/weekly/decisions")
def weekly_decision(
    request: Request,
    access: InProject,
    text: Annotated[str, Form(max_length=10_000)],
    held_on: Annotated[date, Form()],
    cites: Annotated[str, Form(max_length=2_000)] = "",
    launch: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    """Record a decision of the weekly reading and come back to it."""
    cited = [part.strip() for part in cites.split(",") if part.strip()]
    try:
        with database_of(request).session() as session:
            record_decision(session, access.caller, ritual="weekly", text=text, held_on=held_on,
                            launch=launch or None, cites=cited)  # fmt: skip
        flash(request, "✓")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    suffix = f"?launch={quote(launch)}" if launch else ""
    return RedirectResponse(f"/app/{access.project.id}/rituals/weekly{suffix}", status_code=303)


def _fortnightly(request: Request, project_id: int) -> FortnightlyAgenda:
    with database_of(request).session() as session:
        return fortnightly_agenda(request.app.state.runtime.store, session, project_id)


@router.get("/app/{project_id}/rituals/fortnightly", response_class=HTMLResponse)
def fortnightly_page(request: Request, access: InProject) -> HTMLResponse:
    """The experiment definition: untested insights, sized candidates, running experiments."""
    agenda = _fortnightly(request, access.project.id)
    return render(request, "ritual_fortnightly.html", {"agenda": agenda, "figure": figure})


@router.get("/app/{project_id}/rituals/fortnightly.md", response_class=PlainTextResponse)
def fortnightly_markdown_page(request: Request, access: InProject) -> PlainTextResponse:
    """The experiment definition as Markdown."""
    agenda = _fortnightly(request, access.project.id)
    return PlainTextResponse(fortnightly_markdown(agenda), media_type="text/markdown")


@router.get("/app/{project_id}/rituals/fortnightly.html", response_class=HTMLResponse)
def fortnightly_printable(request: Request, access: InProject) -> HTMLResponse:
    """The experiment definition as one printable HTML page."""
    return HTMLResponse(fortnightly_html(_fortnightly(request, access.project.id)))


def _monthly(
    request: Request, project_id: int, launch: str | None, until: str | None
) -> MonthlyReview:
    database = database_of(request)
    last, _ = project_day(database, project_id, until)
    with database.session() as session:
        return monthly_review(session, project_id, until=last, launch=launch or None)


@router.get("/app/{project_id}/rituals/monthly", response_class=HTMLResponse)
def monthly_page(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> HTMLResponse:
    """The generalization review: outcomes and proposals, learnings, insights to re-validate."""
    review = _monthly(request, access.project.id, launch, until)
    context = {
        "review": review,
        "headers": HEADERS,
        "cells": outcome_cells,
        "query": request.url.query,
    }
    return render(request, "ritual_monthly.html", context)


@router.get("/app/{project_id}/rituals/monthly.md", response_class=PlainTextResponse)
def monthly_markdown_page(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> PlainTextResponse:
    """The generalization review as Markdown."""
    review = _monthly(request, access.project.id, launch, until)
    return PlainTextResponse(monthly_markdown(review), media_type="text/markdown")


@router.get("/app/{project_id}/rituals/monthly.html", response_class=HTMLResponse)
def monthly_printable(
    request: Request, access: InProject, launch: Launch = None, until: Until = None
) -> HTMLResponse:
    """The generalization review as one printable HTML page."""
    return HTMLResponse(monthly_html(_monthly(request, access.project.id, launch, until)))
