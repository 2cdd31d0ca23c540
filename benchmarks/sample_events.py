"""Realistic native ingestion bodies for the load generators (ingest and load benchmarks)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

BATCH = 100
_PAGES = ("/", "/pricing", "/signup", "/docs/getting-started", "/app/projects", "/app/settings")
_EVENTS = ("$pageview", "$pageview", "$autocapture", "$pageleave", "feature_used", "signed_up")
_SOURCES = (("newsletter", "email"), ("google", "cpc"), ("twitter", "social"), ("", ""))
_BROWSERS = (("Chrome", "Desktop"), ("Safari", "Mobile"), ("Firefox", "Desktop"))


class EventSource:
    """Native batches of ~300-byte events: page views and clicks with URLs, UTM, browser, session.

    A share of ``$identify`` events (with ``$anon_distinct_id`` and ``$set``) makes the writer
    merge persons as real traffic does. Every event gets a fresh uuid, so nothing is deduplicated.
    """

    def __init__(
        self, seed: int, key: str, *, users: int = 50_000, identify: float = 0.002
    ) -> None:
        self.rng = random.Random(seed)
        self.key, self.users, self.identify, self.seed = key, users, identify, seed
        self.counter = 0
        self.fragments = [self._properties() for _ in range(2_000)]

    def _properties(self) -> str:
        rng = self.rng
        source, medium = rng.choice(_SOURCES)
        query = f"?utm_source={source}&utm_medium={medium}&utm_campaign=launch-{rng.randint(1, 9)}"
        browser, device = rng.choice(_BROWSERS)
        props = {
            "$current_url": f"https://app.example.com{rng.choice(_PAGES)}{query if source else ''}",
            "$referrer": rng.choice(("https://www.google.com/", "$direct", "https://t.co/")),
            "$browser": browser,
            "$device_type": device,
            "$session_id": f"0190{rng.getrandbits(64):016x}",
        }
        return json.dumps(props, separators=(",", ":"))

    def _event(self, now: str) -> str:
        rng = self.rng
        self.counter += 1
        uuid = f"{self.seed:08x}-0000-4000-8000-{self.counter:012x}"
        user = f"user-{rng.randrange(self.users)}"
        if rng.random() < self.identify:
            props = f'{{"$anon_distinct_id":"anon-{rng.randrange(10**9)}","$set":{{"plan":"pro"}}}}'
            name = "$identify"
        else:
            props, name = rng.choice(self.fragments), rng.choice(_EVENTS)
        return (
            f'{{"event":"{name}","distinct_id":"{user}","timestamp":"{now}",'
            f'"uuid":"{uuid}","properties":{props}}}'
        )

    def body(self) -> bytes:
        """One native request body of ``BATCH`` events timestamped now."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        events = ",".join(self._event(now) for _ in range(BATCH))
        return f'{{"api_key":"{self.key}","events":[{events}]}}'.encode()
