"""Sign-in, sign-out, the interface language, and the list of the user's projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.errors import Unauthorized
from launchloop.knowledge.models import User
from launchloop.knowledge.users import authenticate, check_language, memberships
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.rendering import page_language, render
from launchloop.web.ui.session import (
    SignedIn,
    csrf_protected,
    database_of,
    end_session,
    optional_user,
    start_session,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a local path only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/app") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "sign_in.html", {"next": safe_next(next), "email": "", "error": None})


@router.post("/sign-in", response_model=None)
def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1_000)],
    next: Annotated[str, Form()] = "/app",
) -> HTMLResponse | RedirectResponse:
    """Check the email and password; start a session or show the form again."""
    try:
        with database_of(request).session() as session:
            user_id = authenticate(session, email, password).id
    except Unauthorized:
        message = translator(page_language(request))("wrong_credentials")
        context = {"next": safe_next(next), "email": email, "error": message}
        return render(request, "sign_in.html", context, status=401)
    start_session(request, user_id)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request) -> RedirectResponse:
    """End the session."""
    end_session(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.post("/language")
def choose_language(
    request: Request, language: Annotated[str, Form()], back: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Switch the interface language (kept on the user, or in the session before sign-in)."""
    language = check_language(language)
    request.session["lang"] = language
    user = optional_user(request)
    if user is not None:
        with database_of(request).session() as session:
            stored = session.get(User, user.id)
            if stored is not None:
                stored.language = language
    referer = back or request.headers.get("referer", "")
    path = "/" + referer.split("://", 1)[-1].split("/", 1)[-1] if "://" in referer else referer
    return RedirectResponse(safe_next(path), status_code=303)


@router.get("/app", response_model=None)
def projects_page(request: Request, user: SignedIn) -> HTMLResponse | RedirectResponse:
    """The user's projects; straight to the dashboard when there is only one."""
    with database_of(request).session() as session:
        mine = memberships(session, user.id)
    if len(mine) == 1:
        return RedirectResponse(f"/app/{mine[0].project_id}/dashboard", status_code=303)
    return render(request, "projects.html", {"projects": mine})


@router.get("/app/switch")
def switch_project(project: int, user: SignedIn) -> RedirectResponse:
    """The project switcher's target: that project's dashboard (membership checked there)."""
    return RedirectResponse(f"/app/{int(project)}/dashboard", status_code=303)
