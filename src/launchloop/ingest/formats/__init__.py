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
