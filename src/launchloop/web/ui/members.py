"""The members page: who is in the project with which role; admins add people and set roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.errors import InvalidInput
from launchloop.knowledge.roles import ROLES
from launchloop.knowledge.teams import list_members, list_teams, set_member_role
from launchloop.knowledge.users import invite_user
from launchloop.web.ui.rendering import flash, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/app/{project_id}/members", response_class=HTMLResponse)
def members_page(request: Request, access: InProject, error: str | None = None) -> HTMLResponse:
    """The project's members and roles; the admin's forms to add people and change roles."""
    with database_of(request).session() as session:
        members = list_members(session, access.project.id)
        teams = {team.id: team.name for team in list_teams(session, access.project.id)}
    context = {"members": members, "teams": teams, "roles": ROLES, "error": error}
    return render(request, "members.html", context)


@router.post("/app/{project_id}/members", response_model=None)
def add_member(
    request: Request,
    access: InProject,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form()],
) -> HTMLResponse | RedirectResponse:
    """Add a signed-in user to the project (admins only)."""
    try:
        with database_of(request).session() as session:
            member = invite_user(session, access.caller, email=email, role=role)
            name = member.name
    except InvalidInput as refused:
        return members_page(request, access, error=refused.reason)
    flash(request, f"{name}: {role}")
    return RedirectResponse(f"/app/{access.project.id}/members", status_code=303)


@router.post("/app/{project_id}/members/{member_id}/role")
def change_role(
    request: Request, access: InProject, member_id: int, role: Annotated[str, Form()]
) -> RedirectResponse:
    """Change a member's role (admins only)."""
    with database_of(request).session() as session:
        member = set_member_role(session, access.caller, member_id, role)
        flash(request, f"{member.name}: {member.role}")
    return RedirectResponse(f"/app/{access.project.id}/members", status_code=303)
