"""A cache of heavy dashboard queries per (project, query, range), fresh for a minute.

Two ways to use it:

- alone (``serve_stale=False``): an answer older than the TTL is recomputed by the request
  that finds it so;
- with a refresher (``serve_stale=True``, see ``dashboard_refresh``): an answer older than the
  TTL is still served while :meth:`QueryCache.refresh_stale` (run in the background) recomputes
  it, so a request waits only for a key nobody asked for yet. Answers are refreshed only while
  someone asks for them (within ``keep`` seconds), and only when the project's data changed
  (``version``); the others are dropped.

Concurrent requests for a missing key run its query once (the others wait for that answer).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
TTL_SECONDS = 60.0
KEEP_SECONDS = 30 * 60.0
MAX_ENTRIES = 2_000

Version = Callable[[int], Hashable]

_log = logging.getLogger("launchloop.web.cache")


@dataclass
class _Entry:
    value: Any
    compute: Callable[[], Any]
    computed_at: float
    seen_at: float
    version: Hashable = None


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


class QueryCache:
    """Answers of recent queries; a key is (project, query name, range, parameters)."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        *,
        serve_stale: bool = False,
        keep: float = KEEP_SECONDS,
        version: Version | None = None,
    ):
        self.ttl, self.keep, self.serve_stale = ttl, keep, serve_stale
        self._clock, self._version = clock, version
        self._entries: dict[Hashable, _Entry] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key`` (see the module docstring), else ``compute()``."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                hit.seen_at = now
                if self.serve_stale or hit.computed_at + self.ttl > now:
                    return hit.value  # type: ignore[no-any-return]
        return self._compute(key, compute)

    def _compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[no-any-return]
        try:
            version = self._project_version(key)
            flight.value = compute()
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()
        self._keep(key, _Entry(flight.value, compute, self._clock(), self._clock(), version))
        return flight.value  # type: ignore[no-any-return]

    def _keep(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._drop_old(entry.computed_at)
            self._entries[key] = entry

    def _project_version(self, key: Hashable) -> Hashable:
        if self._version is None or not isinstance(key, tuple) or not isinstance(key[0], int):
            return None
        return self._version(key[0])

    def refresh_stale(self) -> int:
        """Recompute the answers older than the TTL that were asked for within ``keep``.

        An answer whose project's data version did not change is only marked fresh; answers
        nobody asked for within ``keep`` are dropped. Returns how many queries ran.
        """
        now = self._clock()
        with self._lock:
            self._drop_old(now)
            due = [(k, e) for k, e in self._entries.items() if e.computed_at + self.ttl <= now]
        versions: dict[int, Hashable] = {}
        ran = 0
        for key, entry in due:
            project = key[0] if isinstance(key, tuple) and isinstance(key[0], int) else None
            if project is not None and self._version is not None:
                if project not in versions:
                    versions[project] = self._version(project)
                if versions[project] == entry.version:
                    entry.computed_at = self._clock()
                    continue
            version = versions.get(project) if project is not None else None
            try:
                value = entry.compute()
            except Exception:  # kept as it was; tried again after the TTL
                _log.exception("refreshing the cached query %r failed", key)
                entry.computed_at = self._clock()
                continue
            ran += 1
            with self._lock:
                if self._entries.get(key) is entry:  # not forgotten meanwhile
                    self._entries[key] = _Entry(
                        value, entry.compute, self._clock(), entry.seen_at, version
                    )
        return ran

    def forget_project(self, project_id: int) -> None:
        """Drop every answer of a project (after its KPIs or launches change)."""
        with self._lock:
            for key in [k for k in self._entries if isinstance(k, tuple) and k[0] == project_id]:
                del self._entries[key]

    def _drop_old(self, now: float) -> None:
        """Drop what nobody asked for within ``keep`` (stale answers too when not served)."""
        for key, entry in list(self._entries.items()):
            unseen = entry.seen_at + self.keep <= now
            if unseen or (not self.serve_stale and entry.computed_at + self.ttl <= now):
                del self._entries[key]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
