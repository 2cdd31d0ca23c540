"""The backlog board: actions in columns by status, moved with a form that shows refusals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.actions import (
    STATUSES,
    TRANSITIONS,
    get_action,
    list_actions,
    missing_for_leaving_proposed,
    move_action,
)
from launchloop.knowledge.models import Action
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
#: Actions per column at most (the priority list shows the rest).
PER_COLUMN = 100


@router.get("/app/{project_id}/backlog/board", response_class=HTMLResponse)
def board_page(request: Request, access: InProject) -> HTMLResponse:
    """One column per action status, highest priority first in each."""
    return _board(request, access.project.id)


def _board(
    request: Request,
    project_id: int,
    *,
    refused: tuple[int, str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with database_of(request).session() as session:
        columns = [
            (
                name,
                [
                    _card(a)
                    for a in list_actions(session, project_id, status=name, limit=PER_COLUMN)
                ],
            )
            for name in STATUSES
        ]
    context: dict[str, Any] = {"columns": columns, "refused": refused}
    return render(request, "backlog_board.html", context, status=status)


def _card(action: Action) -> dict[str, Any]:
    missing = missing_for_leaving_proposed(action) if action.status == "proposed" else []
    return {
        "id": action.id,
        "title": action.title,
        "kind": action.kind,
        "score": action.priority_score,
        "missing": missing,
        "moves": TRANSITIONS[action.status],
    }


@router.post("/app/{project_id}/backlog/{action_id}/status", response_model=None)
def move_on_board(
    request: Request, access: InProject, action_id: int, status: Annotated[str, Form()]
) -> HTMLResponse | RedirectResponse:
    """Move the action; a refused move shows the board with the reason and the missing fields."""
    try:
        with database_of(request).session() as session:
            moved = move_action(session, access.caller, action_id, status)
            title = moved.title
    except (InvalidInput, Forbidden) as refused:
        missing = _missing(request, access.project.id, action_id)
        code = 403 if isinstance(refused, Forbidden) else 422
        return _board(
            request, access.project.id, refused=(action_id, str(refused), missing), status=code
        )
    flash(request, f"{title} → {status}")
    return RedirectResponse(f"/app/{access.project.id}/backlog/board", status_code=303)


def _missing(request: Request, project_id: int, action_id: int) -> list[str]:
    with database_of(request).session() as session:
        action = get_action(session, project_id, action_id)
        return missing_for_leaving_proposed(action) if action.status == "proposed" else []
