"""Keeps the launch dashboard's cache warm, so that a page load does not wait on its queries.

A thread of the web process (started with the app, stopped before the stores close):

- every :data:`TICK_SECONDS`, recomputes in the background the cached answers older than the
  TTL (60 s) that a page asked for within the last 30 minutes, when the project's events
  changed since (:func:`launchloop.analytics.source.data_version`); pages keep being served
  the previous answer meanwhile;
- every TTL, reads the default dashboard (last 28 days, declared KPIs) of every project, so
  the first visit after a start or a new day finds it computed.

New events show on a page within about a minute (the TTL plus the time the queries take).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial

from launchloop.analytics.source import data_version
from launchloop.knowledge.projects import list_projects
from launchloop.runtime import Runtime
from launchloop.web.ui.dashboard_queries import dashboard_inputs, default_span, read_dashboard
from launchloop.web.ui.query_cache import TTL_SECONDS, QueryCache

TICK_SECONDS = 5.0
_ATTRIBUTE = "dashboard_cache"
_log = logging.getLogger("launchloop.web.dashboard")


def dashboard_cache(runtime: Runtime) -> QueryCache:
    """The runtime's dashboard cache (serving stale answers while they are refreshed)."""
    made = QueryCache(serve_stale=True, version=partial(data_version, runtime.store))
    return vars(runtime).setdefault(_ATTRIBUTE, made)  # type: ignore[no-any-return]


def warm_defaults(runtime: Runtime, cache: QueryCache) -> int:
    """Read every project's default dashboard through ``cache``; how many projects."""
    with runtime.database.session() as session:
        project_ids = [project.id for project in list_projects(session)]
    for project_id in project_ids:
        span = default_span(runtime.database, project_id)
        query, kpis, _ = dashboard_inputs(runtime.database, project_id, span)
        read_dashboard(runtime.store, cache, query, kpis)
    return len(project_ids)


class DashboardRefresher:
    """The background thread that keeps a runtime's dashboard cache warm."""

    def __init__(self, runtime: Runtime, tick: float = TICK_SECONDS, every: float = TTL_SECONDS):
        self.runtime, self.cache = runtime, dashboard_cache(runtime)
        self.tick, self.every = tick, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="launchloop-dashboard", daemon=True)

    def start(self) -> DashboardRefresher:
        """Start the thread (it warms the default dashboards first)."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to stop after its current query and wait for it."""
        self.stopping.set()
        self.thread.join()

    def _run(self) -> None:
        warmed_at = float("-inf")
        while not self.stopping.is_set():
            try:
                if time.monotonic() - warmed_at >= self.every:
                    warmed_at = time.monotonic()
                    warm_defaults(self.runtime, self.cache)
                self.cache.refresh_stale()
            except Exception:  # a failing refresh must not stop the thread; pages still work
                _log.exception("refreshing the dashboard cache failed")
            self.stopping.wait(self.tick)


def start_dashboard_refresh(runtime: Runtime) -> DashboardRefresher:
    """Start keeping ``runtime``'s dashboard cache warm (see the module docstring)."""
    return DashboardRefresher(runtime).start()
