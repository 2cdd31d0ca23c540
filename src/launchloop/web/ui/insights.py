"""The insights pages: the list by status, and an insight with its evidence, status and comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.comments import add_comment, comments_on
from launchloop.knowledge.freshness import check_figures, format_figure, project_runner
from launchloop.knowledge.insights import (
    STATUSES,
    TRANSITIONS,
    change_insight_status,
    get_insight,
)
from launchloop.knowledge.models import Evidence, Insight, Signal
from launchloop.knowledge.teams import list_teams
from launchloop.web.ui.insight_drafts import draft_evidence
from launchloop.web.ui.insight_search import InsightSearch, find_insights
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
#: The button that moves an insight to each status.
STATUS_BUTTONS = {"validated": "validate", "stale": "mark_stale", "retired": "retire"}


@router.get("/app/{project_id}/insights", response_class=HTMLResponse)
def insights_page(
    request: Request, access: InProject, form: Annotated[InsightSearch, Query()]
) -> HTMLResponse:
    """The project's insights, filtered by one form (words, status, team); HTMX asks for the
    list alone."""
    error: InvalidInput | None = None
    insights: list[Insight] = []
    with database_of(request).session() as session:
        try:
            insights = find_insights(session, access.project.id, form)
        except InvalidInput as refused:
            error = refused
        rows = [(i, [team.name for team in i.teams]) for i in insights]
        drafts = draft_evidence(session, insights)
        teams = [(team.id, team.name) for team in list_teams(session, access.project.id)]
    context = {"rows": rows, "form": form, "statuses": STATUSES, "teams": teams,
               "drafts": drafts, "error": error}  # fmt: skip
    partial = request.headers.get("hx-request") == "true"
    if partial and request.headers.get("hx-history-restore-request") != "true":
        return render(request, "_insight_list.html", context)
    return render(request, "insights.html", context, status=422 if error else 200)


@router.get("/app/{project_id}/insights/{insight_id}", response_class=HTMLResponse)
def insight_page(request: Request, access: InProject, insight_id: int) -> HTMLResponse:
    """One insight: statement, evidence (captured and last figures), status moves, comments."""
    with database_of(request).session() as session:
        insight = get_insight(session, access.project.id, insight_id)
        evidence = [
            (piece, _signal_text(session, piece.signal_id), _figures(piece))
            for piece in insight.evidence
        ]
        teams = list_teams(session, access.project.id)
        context = {
            "insight": insight,
            "team_names": [team.name for team in insight.teams],
            "tags": insight.tags,
            "evidence": evidence,
            "moves": [(s, STATUS_BUTTONS[s]) for s in TRANSITIONS[insight.status]],
            "comments": comments_on(session, access.project.id, "insight", insight_id),
            "teams": {team.id: team.name for team in teams},
            "has_queries": any(p.kind == "query" and p.query for p in insight.evidence),
        }
    return render(request, "insight.html", context)


def _figures(piece: Evidence) -> str:
    """``"37% -> 22%"`` once re-run, the captured figure alone before."""
    if piece.last_run_at is None:
        return format_figure(piece.figure) if piece.figure is not None else ""
    return f"{format_figure(piece.figure)} -> {format_figure(piece.last_figure)}"


def _signal_text(session: Session, signal_id: int | None) -> str:
    if signal_id is None:
        return ""
    signal = session.get(Signal, signal_id)
    return signal.text if signal is not None else ""


@router.post("/app/{project_id}/insights/{insight_id}/status")
def move_insight(
    request: Request, access: InProject, insight_id: int, status: Annotated[str, Form()]
) -> RedirectResponse:
    """Validate, mark stale or retire; a refused move comes back as a message on the page."""
    try:
        with database_of(request).session() as session:
            change_insight_status(session, access.caller, insight_id, status)
        flash(request, f"→ {status}")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/insights/{insight_id}", status_code=303)


@router.post("/app/{project_id}/insights/{insight_id}/revalidate")
def revalidate_insight(request: Request, access: InProject, insight_id: int) -> RedirectResponse:
    """Re-run the saved queries; a stale insight is validated again; refusals come back inline."""
    runtime = request.app.state.runtime
    try:
        run = project_runner(runtime.database, runtime.store, access.project.id)
        with database_of(request).session() as session:
            result = check_figures(session, access.caller, insight_id, run)
            shown = "; ".join(f"{c.label or c.evidence_id}: {c.shown}" for c in result.changes)
        flash(request, shown or "✓")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/insights/{insight_id}", status_code=303)


@router.post("/app/{project_id}/insights/{insight_id}/comments")
def comment_insight(
    request: Request,
    access: InProject,
    insight_id: int,
    body: Annotated[str, Form(max_length=20_000)],
    team_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Comment on the insight, for a team or for everyone."""
    try:
        with database_of(request).session() as session:
            add_comment(
                session,
                access.caller,
                item_kind="insight",
                item_id=insight_id,
                body=body,
                team_id=int(team_id) if team_id.isdigit() else None,
            )
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(
        f"/app/{access.project.id}/insights/{insight_id}#comments", status_code=303
    )
