"""Explore: build a trend, funnel, retention or path query, see it, keep it as evidence or a KPI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from launchloop.analytics.saved import run_saved_query
from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import list_insights
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.project_time import project_day
from launchloop.knowledge.teams import list_teams
from launchloop.web.ui.explore_query import (
    EXPLORE_KINDS,
    INTERVALS,
    MATHS,
    Exploration,
    kpi_declaration,
    parse_exploration,
    saved_query,
)
from launchloop.web.ui.explore_results import ExploreResult, run_exploration
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.rendering import flash, page_language, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
QUERY_FIELDS = (
    "kind",
    "events",
    "filters",
    "breakdown",
    "interval",
    "math",
    "date_from",
    "date_to",
)


class ExploreForm(BaseModel):
    """The explore form: every field a string, parsed by :func:`parse_exploration`."""

    kind: str = ""
    events: str = Field("", max_length=2_100)
    filters: str = Field("", max_length=20_000)
    breakdown: str = Field("", max_length=200)
    interval: str = "day"
    math: str = "count"
    date_from: str = ""
    date_to: str = ""


class EvidenceForm(ExploreForm):
    """The query and the insight it becomes evidence of."""

    insight_id: str = ""
    note: str = Field("", max_length=2_000)
    csrf_token: str = ""


class KpiForm(ExploreForm):
    """The query and the KPI it becomes."""

    name: str = Field("", max_length=100)
    owner_team: str = Field("product", max_length=100)
    target: str = ""
    direction: str = "up"
    csrf_token: str = ""


def _values(form: ExploreForm) -> dict[str, str]:
    return {name: str(getattr(form, name)).strip() for name in QUERY_FIELDS}


def _exploration(request: Request, project_id: int, values: dict[str, str]) -> Exploration:
    today, time_zone = project_day(database_of(request), project_id)
    return parse_exploration(values, today=today, time_zone=time_zone)


@router.get("/app/{project_id}/explore", response_class=HTMLResponse)
def explore_page(
    request: Request, access: InProject, form: Annotated[ExploreForm, Query()]
) -> HTMLResponse:
    """The query builder; with a ``kind`` it runs the query (HTMX asks for the result alone)."""
    values = _values(form)
    result: ExploreResult | None = None
    error: InvalidInput | None = None
    if form.kind:
        try:
            exploration = _exploration(request, access.project.id, values)
            store, t = request.app.state.runtime.store, translator(page_language(request))
            result = run_exploration(store, access.project.id, exploration, t)
        except InvalidInput as refused:
            error = refused
    partial = request.headers.get("hx-request") == "true"
    return _page(request, access, values, result, error, partial=partial)


def _page(
    request: Request,
    access: Any,
    values: dict[str, str],
    result: ExploreResult | None,
    error: InvalidInput | None,
    *,
    partial: bool = False,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "values": values,
        "result": result,
        "error": error,
        "kinds": EXPLORE_KINDS,
        "intervals": INTERVALS,
        "maths": MATHS,
    }
    with database_of(request).session() as session:
        insights = list_insights(session, access.project.id, limit=200)
        context["insights"] = [(i.id, i.statement) for i in insights if i.status != "retired"]
        context["teams"] = [team.name for team in list_teams(session, access.project.id)]
    template = "_explore_result.html" if partial else "explore.html"
    # HTMX swaps only 2xx answers: the partial carries its error with a 200
    return render(request, template, context, status=422 if error and not partial else 200)


@router.post("/app/{project_id}/explore/evidence", response_model=None)
def save_as_evidence(
    request: Request, access: InProject, form: Annotated[EvidenceForm, Form()]
) -> HTMLResponse | RedirectResponse:
    """Keep the query and its figure now as evidence of an insight, then open the insight."""
    values = _values(form)
    store, project_id = request.app.state.runtime.store, access.project.id
    try:
        if not form.insight_id.isdigit():
            raise InvalidInput("insight_id", "choose the insight this query supports")
        spec = saved_query(_exploration(request, project_id, values))
        figure = run_saved_query(store, project_id, spec)
        with database_of(request).session() as session:
            add_evidence(
                session,
                access.caller,
                int(form.insight_id),
                kind="query",
                query=spec,
                figure=figure.value,
                figure_label=figure.label,
                note=form.note.strip(),
            )
    except (InvalidInput, Forbidden) as refused:
        return _refused(request, access, values, refused)
    flash(request, f"✓ {figure.label}")
    target = f"/app/{project_id}/insights/{form.insight_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/app/{project_id}/explore/kpi", response_model=None)
def save_as_kpi(
    request: Request, access: InProject, form: Annotated[KpiForm, Form()]
) -> HTMLResponse | RedirectResponse:
    """Declare the query as a KPI of the launch dashboard, then open the dashboard."""
    values = _values(form)
    try:
        declared = kpi_declaration(
            _exploration(request, access.project.id, values),
            name=form.name.strip(),
            owner_team=form.owner_team.strip() or "product",
            target=_target(form.target),
            direction=form.direction,
        )
        with database_of(request).session() as session:
            create_kpi(session, access.caller, declared)
    except (InvalidInput, Forbidden) as refused:
        return _refused(request, access, values, refused)
    cache = getattr(request.app.state, "ui_cache", None)
    if cache is not None:
        cache.forget_project(access.project.id)
    flash(request, f"✓ {form.name.strip()}")
    return RedirectResponse(f"/app/{access.project.id}/dashboard", status_code=303)


def _target(raw: str) -> float | None:
    if not raw.strip():
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise InvalidInput("target", f"{raw!r} is not a number") from None


def _refused(
    request: Request, access: Any, values: dict[str, str], refused: InvalidInput | Forbidden
) -> HTMLResponse:
    if isinstance(refused, InvalidInput):
        return _page(request, access, values, None, refused)
    answer = _page(request, access, values, None, InvalidInput("role", str(refused)))
    answer.status_code = 403
    return answer
