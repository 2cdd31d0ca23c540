"""The notification settings and loop health pages (issue 9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.errors import Forbidden, InvalidInput
from launchloop.loop.health import loop_health
from launchloop.loop.notify import (
    CADENCES,
    CHANNELS,
    list_deliveries,
    list_preferences,
    set_preference,
)
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/app/{project_id}/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, access: InProject) -> HTMLResponse:
    """The signed-in member's channels and cadence, and the latest deliveries."""
    member_id = access.caller.member_id
    with database_of(request).session() as session:
        mine = list_preferences(session, access.project.id, member_id) if member_id else []
        log = list_deliveries(session, access.project.id, limit=20) if access.is_admin else []
        context = {
            "preferences": [(p.channel, p.address, p.cadence) for p in mine],
            "deliveries": [
                (d.created_at, d.channel, d.address, d.status, d.attempts, d.error) for d in log
            ],
            "channels": CHANNELS,
            "cadences": CADENCES,
        }
    return render(request, "notifications.html", context)


@router.post("/app/{project_id}/notifications")
def save_preference(
    request: Request,
    access: InProject,
    channel: Annotated[str, Form(max_length=20)],
    address: Annotated[str, Form(max_length=2000)],
    cadence: Annotated[str, Form(max_length=20)],
    secret: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    """Set how the signed-in member is told on one channel."""
    try:
        if access.caller.member_id is None:
            raise Forbidden("only a member of the project has notification preferences")
        with database_of(request).session() as session:
            set_preference(session, access.caller, access.caller.member_id, channel=channel,
                           address=address, cadence=cadence, secret=secret or None)  # fmt: skip
        flash(request, "✓")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/notifications", status_code=303)


@router.get("/app/{project_id}/health", response_class=HTMLResponse)
def health_page(request: Request, access: InProject) -> HTMLResponse:
    """The loop's health, one row per month, and the freshness of the knowledge."""
    with database_of(request).session() as session:
        health = loop_health(session, access.project.id)
    return render(request, "loop_health.html", {"health": health})
