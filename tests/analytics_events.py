"""Small event fixtures for the analytics tests: canonical events written through ingestion."""

from __future__ import annotations

import itertools
from typing import Any

from launchloop.ingest.pipeline import prepare
from launchloop.store.base import EventStore

PROJECT = 1
_counter = itertools.count()


def ev(event: str, distinct_id: str, timestamp: str, **properties: Any) -> dict[str, Any]:
    """A canonical event; ``timestamp`` is ISO-8601 (UTC unless it carries an offset)."""
    return {
        "uuid": f"u-{next(_counter):08d}",
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": timestamp
        if ("+" in timestamp or timestamp.endswith("Z"))
        else timestamp + "Z",
        "properties": properties,
    }


def identify(user: str, anonymous: str, timestamp: str) -> dict[str, Any]:
    """An ``$identify`` event that merges ``anonymous`` into ``user``."""
    return ev("$identify", user, timestamp, **{"$anon_distinct_id": anonymous})


def write(store: EventStore, events: list[dict[str, Any]], project_id: int = PROJECT) -> None:
    """Validate and store ``events`` as one batch (rows and person changes in one commit)."""
    prepared = prepare(events, project_id=project_id, max_event_bytes=100_000)
    assert not prepared.rejections, prepared.rejections
    store.write(prepared.batch)
