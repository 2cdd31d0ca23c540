"""Wire formats that launchloop accepts; each turns a decoded body into canonical events.

A canonical event is a dict with ``event``, ``distinct_id``, ``timestamp``, ``uuid`` and
``properties`` (PostHog's vocabulary: ``$pageview``, ``$identify``, ``$set``...), which
:func:`launchloop.ingest.validate.validate` then checks.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a body carried: the key it names (if any) and its events in canonical shape."""

    key: str | None
    events: list[Any]


def as_object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (SDKs send odd shapes)."""
    return value if isinstance(value, dict) else {}
