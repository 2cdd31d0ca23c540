"""The backlog: actions by priority with their score parts; a new action from an insight."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.actions import (
    KINDS,
    create_action,
    list_actions,
    missing_for_leaving_proposed,
)
from launchloop.knowledge.insights import get_insight
from launchloop.knowledge.launches import list_kpis
from launchloop.knowledge.models import Action
from launchloop.knowledge.teams import list_teams
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
FIELDS: tuple[str, ...] = (
    "kind",
    "title",
    "observation",
    "hypothesis",
    "impact_kpi_id",
    "baseline",
    "expected_change",
    "evaluation_date",
    "effort",
    "owner_team_id",
)


@router.get("/app/{project_id}/backlog", response_class=HTMLResponse)
def backlog_page(request: Request, access: InProject) -> HTMLResponse:
    """Actions, highest priority first, each with its score parts and what the loop still needs."""
    with database_of(request).session() as session:
        actions = list_actions(session, access.project.id, limit=200)
        rows = [(action, missing_for_leaving_proposed(action)) for action in actions]
        teams = {team.id: team.name for team in list_teams(session, access.project.id)}
    return render(request, "backlog.html", {"rows": rows, "teams": teams})


@router.get("/app/{project_id}/backlog/new", response_class=HTMLResponse)
def new_action_page(
    request: Request,
    access: InProject,
    insight: int,
    values: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """The form of an action born of ``insight``, with the loop rule's missing fields."""
    values = values or {}
    with database_of(request).session() as session:
        source = get_insight(session, access.project.id, insight)
        draft = Action(
            observation=values.get("observation") or source.statement,
            hypothesis=values.get("hypothesis", ""),
            impact_kpi_id=_int(values.get("impact_kpi_id")),
            evaluation_date=_date_or_none(values.get("evaluation_date")),
            insights=[source],
        )
        context = {
            "insight": source,
            "missing": missing_for_leaving_proposed(draft),
            "draft": draft,
            "values": values,
            "kinds": KINDS,
            "kpis": list_kpis(session, access.project.id),
            "teams": list_teams(session, access.project.id),
            "error": error,
        }
        return render(request, "action_new.html", context, status=422 if error else 200)


class ActionForm(BaseModel):
    """The new-action form as posted: every field a string, parsed by :func:`_fields`."""

    insight: int
    kind: str = ""
    title: str = Field("", max_length=300)
    observation: str = Field("", max_length=20_000)
    hypothesis: str = Field("", max_length=20_000)
    impact_kpi_id: str = ""
    baseline: str = ""
    expected_change: str = ""
    evaluation_date: str = ""
    effort: str = ""
    owner_team_id: str = ""
    csrf_token: str = ""


@router.post("/app/{project_id}/backlog", response_model=None)
def create_action_from_form(
    request: Request, access: InProject, form: Annotated[ActionForm, Form()]
) -> HTMLResponse | RedirectResponse:
    """Propose the action; a refused form comes back with its values and the reason."""
    insight = form.insight
    values = {name: str(getattr(form, name)).strip() for name in FIELDS}
    try:
        with database_of(request).session() as session:
            action = create_action(session, access.caller, insight_ids=[insight], **_fields(values))
            title = action.title
    except (InvalidInput, Forbidden) as refused:
        return new_action_page(request, access, insight, values, error=str(refused))
    flash(request, f"✓ {title}")
    return RedirectResponse(f"/app/{access.project.id}/backlog", status_code=303)


def _fields(values: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": values["kind"],
        "title": values["title"],
        "observation": values["observation"],
        "hypothesis": values["hypothesis"],
        "impact_kpi_id": _int(values["impact_kpi_id"]),
        "baseline": _number(values["baseline"], "baseline"),
        "expected_change": _number(values["expected_change"], "expected_change"),
        "evaluation_date": _date(values["evaluation_date"]),
        "effort": _number(values["effort"], "effort"),
        "owner_team_id": _int(values["owner_team_id"]),
    }


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _number(raw: str, field: str) -> float | None:
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise InvalidInput(field, f"{raw!r} is not a number") from None


def _date_or_none(raw: str | None) -> date | None:
    try:
        return _date(raw)
    except InvalidInput:
        return None


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("evaluation_date", "must be a date (YYYY-MM-DD)") from None
