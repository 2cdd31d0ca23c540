"""Rate limits per public key: an in-memory token bucket for each key of the public endpoints.

The buckets are per process (not shared): ``launchloop serve`` runs one process, so the limit
holds; N processes behind a balancer would allow N times the rate (docs/configuration.md).
"""

from __future__ import annotations

import math
import threading
import time

from launchloop.errors import RateLimited


class RateLimiter:
    """Token buckets, one per key: ``per_second`` refill, ``burst`` tokens at most."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of ``key``'s bucket, or raise RateLimited with the wait in seconds."""
        if self.per_second <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.per_second)))
            self._buckets[key] = (tokens - 1.0, now)
