"""PostHog's capture format, as posthog-python (``/batch/``) and posthog-js (``/e/``) send it."""

from __future__ import annotations

from typing import Any

from launchloop.errors import InvalidInput
from launchloop.ingest.formats import Envelope, as_object

_KEY_FIELDS = ("api_key", "token", "$token")


def read_posthog(payload: Any) -> Envelope:
    """The key and events of a PostHog body: a batch object, a single event or a list."""
    if isinstance(payload, list):
        events, outer = payload, {}
    elif isinstance(payload, dict) and isinstance(payload.get("batch"), list):
        events, outer = payload["batch"], payload
    elif isinstance(payload, dict) and "event" in payload:
        events, outer = [payload], payload
    else:
        raise InvalidInput("body", "must be an event, a list of events or {batch: [...]}")
    return Envelope(_key(outer, events), [_canonical(item) for item in events])


def _key(outer: dict[str, Any], events: list[Any]) -> str | None:
    for field in _KEY_FIELDS:
        if isinstance(outer.get(field), str):
            return outer[field]
    for item in events:
        if not isinstance(item, dict):
            continue
        props = as_object(item.get("properties"))
        for source in (item, props):
            for field in _KEY_FIELDS:
                if isinstance(source.get(field), str):
                    return source[field]
    return None


def _canonical(item: Any) -> Any:
    """Move top-level ``$set``/``$set_once`` into properties, drop the token from properties."""
    if not isinstance(item, dict):
        return item
    props = item.get("properties")
    if props is None:
        props = {}
    if isinstance(props, dict):
        props = {k: v for k, v in props.items() if k not in ("token", "$token")}
        for field in ("$set", "$set_once"):
            if isinstance(item.get(field), dict):
                inner = props.get(field)
                props[field] = item[field] | (inner if isinstance(inner, dict) else {})
    distinct_id = item.get("distinct_id")
    if distinct_id is None and isinstance(props, dict):
        distinct_id = props.get("distinct_id")
    return {
        "event": item.get("event"),
        "distinct_id": distinct_id,
        "timestamp": item.get("timestamp"),
        "uuid": item.get("uuid"),
        "properties": props,
    }
