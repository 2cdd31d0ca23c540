"""The API keys page: the public ingestion key with snippets, and the secret tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.knowledge.projects import list_tokens, revoke_token
from launchloop.knowledge.roles import ROLES
from launchloop.knowledge.teams import create_role_token
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import InProject, csrf_protected, database_of
from launchloop.web.ui.snippets import snippets

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/app/{project_id}/keys", response_class=HTMLResponse)
def keys_page(request: Request, access: InProject, new_token: str | None = None) -> HTMLResponse:
    """The public key, the snippets to paste, the secret tokens (admins create and revoke)."""
    with database_of(request).session() as session:
        tokens = list_tokens(session, access.project.id)
    host = str(request.base_url).rstrip("/")
    context = {
        "tokens": tokens,
        "roles": ROLES,
        "new_token": new_token,
        "snippets": snippets(host, access.project.public_key),
    }
    return render(request, "keys.html", context)


@router.post("/app/{project_id}/keys", response_class=HTMLResponse)
def create_key(
    request: Request,
    access: InProject,
    label: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()] = "contributor",
) -> HTMLResponse:
    """Create a secret token and show it once (admins only)."""
    with database_of(request).session() as session:
        token = create_role_token(session, access.caller, label=label, role=role)
    return keys_page(request, access, new_token=token)


@router.post("/app/{project_id}/keys/{token_id}/revoke")
def revoke_key(request: Request, access: InProject, token_id: int) -> RedirectResponse:
    """Revoke a secret token (admins only)."""
    with database_of(request).session() as session:
        revoke_token(session, access.caller, token_id)
    request.app.state.keys.forget()  # the ingestion cache must refuse it now too
    return RedirectResponse(f"/app/{access.project.id}/keys", status_code=303)
