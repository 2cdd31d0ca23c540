"""Turn one decoded event (a dict in our canonical shape) into an Event, or say what is wrong."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from launchloop.ingest.event import Event

MAX_NAME = 200
MAX_ID = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST_MICROS = 4_102_444_800_000_000  # 2100-01-01T00:00:00Z


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the event at ``index`` of its batch was not stored."""

    index: int
    field: str
    reason: str


class _Invalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason


def validate(raw: Any, *, index: int, now: int, max_event_bytes: int) -> Event | Rejection:
    """Check one canonical event dict: event, distinct_id, timestamp, uuid, properties.

    :param now: the receive time (epoch microseconds), used when the event has no timestamp.
    """
    try:
        if not isinstance(raw, dict):
            raise _Invalid("event", "must be a JSON object")
        get = raw.get
        event = Event(
            _uuid(get("uuid")),
            _name(get("event")),
            _distinct_id(get("distinct_id")),
            _timestamp(get("timestamp"), now),
            _properties(get("properties")),
        )
        event.properties_json = _serialized(event, max_event_bytes)
    except _Invalid as invalid:
        return Rejection(index, invalid.field, invalid.reason)
    return event


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("event", "is required: a non-empty string")
    if len(value) > MAX_NAME:
        raise _Invalid("event", f"is longer than {MAX_NAME} characters")
    return _unicode("event", value)


def _unicode(field: str, text: str) -> str:
    """``text`` if it is valid Unicode (a lone surrogate cannot be stored as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid(field, "is not valid Unicode (lone surrogate)") from None
    return text


def _distinct_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid("distinct_id", "is required: a non-empty string")
    text = str(value).strip()
    if not text:
        raise _Invalid("distinct_id", "is required: a non-empty string")
    if len(text) > MAX_ID:
        raise _Invalid("distinct_id", f"is longer than {MAX_ID} characters")
    return _unicode("distinct_id", text)


def _uuid(value: Any) -> str:
    if value is None or value == "":
        return str(uuidlib.uuid4())
    if not isinstance(value, str) or len(value) > 100:
        raise _Invalid("uuid", "must be a string of at most 100 characters")
    return _unicode("uuid", value)


def _timestamp(value: Any, now: int) -> int:
    if value is None or value == "":
        return now
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid("timestamp", "must be an ISO-8601 string or epoch milliseconds")
    try:
        micros = _iso_micros(value) if isinstance(value, str) else round(value * 1000)
    except (ValueError, OverflowError):
        raise _Invalid("timestamp", f"{str(value)[:40]!r} is not an ISO-8601 time") from None
    if not 0 <= micros < _LATEST_MICROS:
        raise _Invalid("timestamp", "must fall between 1970 and 2100")
    return micros


def _iso_micros(text: str) -> int:
    """Epoch microseconds of an ISO-8601 time; no offset means UTC, digits past µs are cut."""
    moment = datetime.fromisoformat(text)  # Python 3.11+ reads "Z" and compact offsets
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _properties(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid("properties", "must be a JSON object")
    return value


def _serialized(event: Event, limit: int) -> str:
    """The properties as JSON, once: their size is checked here and the row reuses them."""
    try:
        encoded = orjson.dumps(event.properties, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as error:  # ints past 64 bits, lone surrogates, deep nesting
        raise _Invalid("properties", f"cannot be stored as JSON ({error})") from None
    if len(encoded) > limit:
        raise _Invalid(
            "properties", f"are {len(encoded)} bytes, over the limit of {limit} per event"
        )
    return encoded.decode()
