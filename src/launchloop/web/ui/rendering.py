"""Rendering pages: the Jinja2 templates (autoescaped), the language and what every page shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from launchloop.web.ui.i18n import language_from_header, translator
from launchloop.web.ui.session import csrf_token

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"

# Every user text is data: autoescape on for every template, whatever its extension (issue 5).
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


def page_language(request: Request) -> str:
    """The language of the page: the user's, else the session's choice, else Accept-Language."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return str(user.language)
    chosen = request.session.get("lang")
    if chosen in ("en", "fr"):
        return str(chosen)
    return language_from_header(request.headers.get("accept-language"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page ``template`` with the user, project, language, CSRF token and flash message."""
    language = page_language(request)
    values = {
        "request": request,
        "lang": language,
        "t": translator(language),
        "csrf_token": csrf_token(request),
        "user": getattr(request.state, "user", None),
        "access": getattr(request.state, "access", None),
        "flash": request.session.pop("flash", None),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, values, status_code=status)


def flash(request: Request, message: str) -> None:
    """A message shown once on the next page (after a redirect)."""
    request.session["flash"] = message
