"""Insight search on the insights list: full text (stemmed) with status, team, tag and dates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.insights import STATUSES, list_insights
from launchloop.knowledge.models import Insight
from launchloop.knowledge.search import SearchFilters, SearchHit, search
from launchloop.knowledge.teams import list_teams
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
LIMIT = 50


class InsightSearch(BaseModel):
    """The search form: words and optional filters, every field a string as typed."""

    q: str = Field("", max_length=1_000)
    status: str = ""
    team_id: str = ""
    tag: str = Field("", max_length=100)
    since: str = ""
    until: str = ""


def search_filters(form: InsightSearch) -> SearchFilters:
    """The knowledge search filters of the form (insights only); InvalidInput names the field."""
    if form.status and form.status not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
    if form.team_id and not form.team_id.isdigit():
        raise InvalidInput("team_id", "must be a team id")
    return SearchFilters(
        kinds=("insight",),
        status=form.status or None,
        team_id=int(form.team_id) if form.team_id else None,
        tag=form.tag.strip() or None,
        since=_day(form.since, "since"),
        until=_day(form.until, "until"),
    )


def find_insights(
    session: Session, project_id: int, form: InsightSearch, *, limit: int = 200
) -> list[Insight]:
    """The insights list's one form: those matching the words, best first, or without words
    the newest; both within the status, team and tag asked (InvalidInput names a bad field)."""
    filters = search_filters(form)
    if form.q.strip():
        hits = search(session, project_id, form.q, filters=filters, limit=limit)
        return [insight for hit in hits if (insight := session.get(Insight, hit.id))]
    return list_insights(session, project_id, status=filters.status, team_id=filters.team_id,
                         tag=filters.tag, limit=limit)  # fmt: skip


def _day(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, "must be a date (YYYY-MM-DD)") from None


@router.get("/app/{project_id}/search", response_class=HTMLResponse)
def insight_search_page(
    request: Request, access: InProject, form: Annotated[InsightSearch, Query()]
) -> HTMLResponse:
    """Insights matching all the words, best first; HTMX asks for the hits alone."""
    hits: list[SearchHit] = []
    error: InvalidInput | None = None
    partial = request.headers.get("hx-request") == "true"
    with database_of(request).session() as session:
        try:
            if form.q.strip():
                filters = search_filters(form)
                hits = search(session, access.project.id, form.q, filters=filters, limit=LIMIT)
        except InvalidInput as refused:
            error = refused
        teams = [(team.id, team.name) for team in list_teams(session, access.project.id)]
    context: dict[str, Any] = {
        "hits": hits,
        "error": error,
        "form": form,
        "statuses": STATUSES,
        "teams": teams,
        "searched": bool(form.q.strip()),
    }
    template = "_insight_hits.html" if partial else "insight_search.html"
    return render(request, template, context, status=422 if error and not partial else 200)
