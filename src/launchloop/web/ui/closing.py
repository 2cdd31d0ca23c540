"""The feedback inbox (triage, duplicates) and the page that tells users what shipped (issue 11)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.closing.outbox import SmtpServer, list_messages, prepare_messages, send_messages
from launchloop.closing.preferences import closing_settings, set_closing_settings
from launchloop.closing.reach import address_book
from launchloop.closing.triage import TRIAGE_STATES, inbox, merge_duplicate, record_visit, set_state
from launchloop.errors import Forbidden, InvalidInput, NotFound
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/app/{project_id}/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, access: InProject) -> HTMLResponse:
    """The latest feedback, what came since the last visit marked; the visit is then recorded."""
    with database_of(request).session() as session:
        rows = inbox(session, access.project.id, access.user.id)
        record_visit(session, access.project.id, access.user.id)
        context = {
            "rows": rows,
            "unseen": sum(1 for row in rows if row.unseen),
            "states": TRIAGE_STATES,
        }
        return render(request, "inbox.html", context)


@router.post("/app/{project_id}/inbox/{feedback_id}/state")
def post_state(
    request: Request,
    access: InProject,
    feedback_id: int,
    state: Annotated[str, Form(max_length=10)],
) -> RedirectResponse:
    """Move one item to a triage state."""
    try:
        with database_of(request).session() as session:
            set_state(session, access.caller, feedback_id, state)
        flash(request, "✓")
    except (InvalidInput, Forbidden, NotFound) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/inbox", status_code=303)


@router.post("/app/{project_id}/inbox/{feedback_id}/merge")
def post_merge(
    request: Request, access: InProject, feedback_id: int, into_id: Annotated[int, Form(ge=1)]
) -> RedirectResponse:
    """Merge one item into another, keeping both authors."""
    try:
        with database_of(request).session() as session:
            merge_duplicate(session, access.caller, feedback_id, into_id)
        flash(request, "✓")
    except (InvalidInput, Forbidden, NotFound) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/inbox", status_code=303)


@router.get("/app/{project_id}/closing", response_class=HTMLResponse)
def closing_page(request: Request, access: InProject) -> HTMLResponse:
    """The messages to authors, to review and send, and the project's closing settings."""
    with database_of(request).session() as session:
        context = {
            "messages": list_messages(session, access.project.id),
            "settings": closing_settings(session, access.project.id),
        }
        return render(request, "closing.html", context)


@router.post("/app/{project_id}/closing/prepare")
def post_prepare(request: Request, access: InProject) -> RedirectResponse:
    """Prepare one message per author for the shipped changes not yet announced."""
    runtime = request.app.state.runtime
    project_id = access.project.id
    try:
        with database_of(request).session() as session:
            made = prepare_messages(session, access.caller,
                                    address_book(runtime.store, project_id),
                                    SmtpServer.from_settings(runtime.settings))  # fmt: skip
        flash(request, f"✓ {len(made)}")
    except Forbidden as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{project_id}/closing", status_code=303)


@router.post("/app/{project_id}/closing/send")
def post_send(
    request: Request, access: InProject, message_id: Annotated[int | None, Form()] = None
) -> RedirectResponse:
    """Send one reviewed message, or every waiting one."""
    smtp = SmtpServer.from_settings(request.app.state.runtime.settings)
    try:
        with database_of(request).session() as session:
            ids = [message_id] if message_id is not None else None
            sent = send_messages(session, access.caller, smtp, ids)
            flash(request, f"✓ {sum(1 for m in sent if m.status == 'sent')}")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/closing", status_code=303)


@router.post("/app/{project_id}/closing/settings")
def post_settings(
    request: Request,
    access: InProject,
    auto_send: Annotated[bool, Form()] = False,
    changelog_public: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Turn automatic sending and the public changelog on or off (admin)."""
    try:
        with database_of(request).session() as session:
            set_closing_settings(session, access.caller, auto_send=auto_send,
                                 changelog_public=changelog_public)  # fmt: skip
        flash(request, "✓")
    except Forbidden as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/closing", status_code=303)
