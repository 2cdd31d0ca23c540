"""The signals page: drop an observation in one field; turn any signal into a draft insight."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.insights import draft_insight_from_signal
from launchloop.knowledge.signals import create_signal, list_signals
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
MAX_OBSERVATION = 10_000


def _signals_context(request: Request, project_id: int) -> dict[str, object]:
    with database_of(request).session() as session:
        return {"signals": list_signals(session, project_id, limit=50)}


@router.get("/app/{project_id}/signals", response_class=HTMLResponse)
def signals_page(request: Request, access: InProject) -> HTMLResponse:
    """The observation form and the latest signals."""
    return render(request, "signals.html", _signals_context(request, access.project.id))


@router.post("/app/{project_id}/signals", response_model=None)
def record_observation(
    request: Request, access: InProject, text: Annotated[str, Form(max_length=MAX_OBSERVATION)]
) -> HTMLResponse | RedirectResponse:
    """Record an observation signal; HTMX gets the refreshed list, a plain form a redirect."""
    error = None
    try:
        with database_of(request).session() as session:
            create_signal(session, access.caller, kind="observation", text=text)
    except InvalidInput as refused:
        error = refused.reason
    except Forbidden as refused:  # a viewer: say so in place rather than swap nothing
        error = str(refused)
    if request.headers.get("hx-request"):
        context = _signals_context(request, access.project.id) | {"error": error}
        return render(request, "_signal_list.html", context)
    flash(request, error or "✓")
    return RedirectResponse(f"/app/{access.project.id}/signals", status_code=303)


@router.post("/app/{project_id}/signals/{signal_id}/insight")
def signal_to_insight(request: Request, access: InProject, signal_id: int) -> RedirectResponse:
    """Turn the signal into a draft insight and open it."""
    with database_of(request).session() as session:
        insight_id = draft_insight_from_signal(session, access.caller, signal_id).id
    return RedirectResponse(f"/app/{access.project.id}/insights/{insight_id}", status_code=303)
