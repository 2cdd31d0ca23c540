"""The web app's pages (Jinja2 + HTMX): one module per kind of page, wired by :func:`install_ui`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from launchloop.config import Settings
from launchloop.errors import Forbidden, InvalidInput, NotFound
from launchloop.web.ui import (
    account,
    backlog,
    backlog_board,
    closing,
    closing_public,
    dashboard,
    experiments,
    explore,
    feeds,
    insight_drafts,
    insight_search,
    insights,
    keys,
    loop_settings,
    members,
    rituals,
    signals,
    similar_items,
    themes,
)
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.rendering import STATIC_DIR, page_language, render
from launchloop.web.ui.session import SESSION_DAYS, SignInRequired, session_secret

ROUTERS = (
    account.router,
    members.router,
    keys.router,
    dashboard.router,
    explore.router,
    signals.router,
    insights.router,
    insight_drafts.router,
    backlog_board.router,
    backlog.router,
    experiments.router,
    insight_search.router,
    similar_items.router,
    feeds.router,
    rituals.router,
    loop_settings.router,
    closing.router,
    closing_public.router,
    themes.router,
)
#: Paths whose errors are pages for people, not JSON for programs.
UI_PREFIXES = ("/app", "/sign-in", "/sign-out", "/language")

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def install_ui(app: FastAPI, settings: Settings) -> None:
    """Add the pages, their static files, the session cookie and HTML error pages to ``app``."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="launchloop_session",
        max_age=SESSION_DAYS * 86_400,
        same_site="lax",
        https_only=False,  # served on loopback by default; a TLS proxy may add Secure
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_error_pages(app)


def _install_error_pages(app: FastAPI) -> None:
    async def sign_in_first(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={_quoted(target)}", status_code=303)

    app.add_exception_handler(SignInRequired, sign_in_first)
    for error, status, key in (
        (Forbidden, 403, "forbidden"),
        (NotFound, 404, "not_found"),
        (InvalidInput, 422, "error"),
    ):
        app.add_exception_handler(error, _page_or(app.exception_handlers.get(error), status, key))


def _page_or(api_handler: Handler | None, status: int, key: str) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        if api_handler is not None and not request.url.path.startswith(UI_PREFIXES):
            answer = api_handler(request, error)
            return await answer if isinstance(answer, Awaitable) else answer
        heading = translator(page_language(request))(key)
        context = {"heading": heading, "message": str(error)}
        return render(request, "error.html", context, status=status)

    return handle


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
