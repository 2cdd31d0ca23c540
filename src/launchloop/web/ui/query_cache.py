"""A small cache of heavy dashboard queries per (project, query, range), kept for a minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
TTL_SECONDS = 60.0
MAX_ENTRIES = 2_000


class QueryCache:
    """Answers of recent queries; a key is (project, query name, range, parameters)."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key`` if younger than the TTL, else ``compute()`` (then kept)."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._drop_expired(now)
            self._entries[key] = (now + self.ttl, value)
        return value

    def forget_project(self, project_id: int) -> None:
        """Drop every answer of a project (after its KPIs or launches change)."""
        with self._lock:
            for key in [k for k in self._entries if isinstance(k, tuple) and k[0] == project_id]:
                del self._entries[key]

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, (until, _) in self._entries.items() if until <= now]:
            del self._entries[key]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
