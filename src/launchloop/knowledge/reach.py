"""Reach of an action: distinct persons per month behind the events of its insights' evidence.

The events come from the saved queries of the evidence (``event``, ``events``, ``steps``) and the
queries of the signals cited; persons are counted in the event store, merged ids resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.models import Action, Signal, utcnow
from launchloop.store.base import EventStore

#: Reach is persons per month: the 30 days before the measuring time.
REACH_DAYS = 30

_REACH_SQL = """
SELECT count(DISTINCT coalesce(p.person_id, e.distinct_id))
FROM events e
LEFT JOIN person_distinct_ids p
  ON p.project_id = e.project_id AND p.distinct_id = e.distinct_id
WHERE e.project_id = ? AND e.timestamp >= ? AND e.timestamp < ? AND e.event IN ({marks})
"""


def events_of_query(query: dict[str, Any] | None) -> list[str]:
    """Event names a saved query is about: ``event``, ``events`` and each of ``steps``."""
    if not query:
        return []
    names: list[Any] = [query.get("event"), *query.get("events", [])]
    for step in query.get("steps", []):
        names.append(step.get("event") if isinstance(step, dict) else step)
    return [name for name in names if isinstance(name, str) and name]


def action_events(session: Session, action: Action) -> list[str]:
    """Every event named by the evidence of the action's validated insights."""
    names: list[str] = []
    for insight in action.insights:
        if insight.status != "validated":
            continue
        for piece in insight.evidence:
            names += events_of_query(piece.query)
            if piece.signal_id is not None:
                signal = session.get(Signal, piece.signal_id)
                names += events_of_query(signal.query if signal else None)
    return list(dict.fromkeys(names))


def measure_reach(
    store: EventStore,
    project_id: int,
    events: Iterable[str],
    *,
    until: datetime | None = None,
    days: int = REACH_DAYS,
) -> int:
    """Distinct persons who did any of ``events`` in the ``days`` before ``until``."""
    names = list(events)
    if not names:
        raise InvalidInput(
            "reach",
            "no evidence of the validated insights names an event to measure reach from; "
            "add query evidence with its events",
        )
    # The store keeps naive UTC timestamps: compare in naive UTC.
    end = (until or utcnow()).astimezone(UTC).replace(tzinfo=None)
    marks = ", ".join("?" for _ in names)
    rows = store.query(
        _REACH_SQL.format(marks=marks), [project_id, end - timedelta(days=days), end, *names]
    )
    return int(rows[0][0]) if rows else 0
