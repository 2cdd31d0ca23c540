"""launchloop's own format: ``{"api_key": ..., "events": [{event, distinct_id, ...}]}``."""

from __future__ import annotations

from typing import Any

from launchloop.errors import InvalidInput
from launchloop.ingest.formats import Envelope


def read_native(payload: Any) -> Envelope:
    """The key and events of a native body (a bare list of events is accepted too)."""
    if isinstance(payload, list):
        return Envelope(None, payload)
    if not isinstance(payload, dict):
        raise InvalidInput("body", "must be a JSON object with an events list")
    events = payload.get("events", payload.get("batch"))
    if not isinstance(events, list):
        raise InvalidInput("events", "is required: a list of events")
    key = payload.get("api_key")
    return Envelope(key if isinstance(key, str) else None, events)
