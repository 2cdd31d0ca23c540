"""The FastAPI application: ``create_app(settings)`` wires the runtime and every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

from launchloop import __version__
from launchloop.config import Settings
from launchloop.loop.worker import start_in_process
from launchloop.runtime import open_runtime
from launchloop.web.api import (
    actions,
    admin,
    archive,
    capture,
    closing,
    detect,
    events,
    experience,
    experiments,
    feedback,
    feeds,
    insights,
    knowledge,
    kpis,
    loop_health,
    notifications,
    privacy,
    query,
    rituals,
    search,
    signals,
    surveys,
    tokens,
)
from launchloop.web.api.responses import ERRORS, INGEST_ERRORS
from launchloop.web.auth import KeyRing
from launchloop.web.errors import install_error_handlers
from launchloop.web.ratelimit import RateLimiter
from launchloop.web.ui import install_ui
from launchloop.web.ui.dashboard_refresh import start_dashboard_refresh

ROUTERS = (
    capture.router,
    events.router,
    query.router,
    experience.router,
    kpis.router,
    knowledge.router,
    signals.router,
    tokens.router,
    insights.router,
    actions.router,
    experiments.router,
    search.router,
    archive.router,
    feedback.router,
    surveys.router,
    detect.router,
    feeds.router,
    notifications.router,
    rituals.router,
    loop_health.router,
    admin.router,
    closing.router,
    privacy.router,
)


def create_app(settings: Settings) -> FastAPI:
    """The launchloop server for ``settings``; stores open at startup, close at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings)
        app.state.runtime = runtime
        limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
        app.state.keys = KeyRing(runtime.database, limiter)
        scheduler = start_in_process(runtime) if settings.worker else None
        refresher = start_dashboard_refresh(runtime)  # keeps the dashboard's cache warm
        app.state.ui_cache = refresher.cache
        try:
            yield
        finally:
            refresher.stop()
            if scheduler is not None:
                scheduler.stop()
            runtime.close()

    app = FastAPI(title="launchloop", version=__version__, lifespan=lifespan)
    install_error_handlers(app)
    # Browser SDKs (posthog-js, analytics.js) post from the product's own origin and retry any
    # answer they may not read; keys travel in bodies and headers, never cookies (no credentials).
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"]
    )
    for router in ROUTERS:  # every error a route may answer is declared (issue 12)
        app.include_router(router, responses=INGEST_ERRORS if router is capture.router else ERRORS)
    install_ui(app, settings)  # the web app's pages, session cookie and static files (issue 5)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """The web app (issue 5); the interactive API docs are at /docs."""
        return RedirectResponse("/app")

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        """``{"status": "ok"}`` while the server runs."""
        return {"status": "ok"}

    return app
