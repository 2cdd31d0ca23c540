"""Recent events read back (API, ``launchloop events tail``), with each event's current person.

``events.person_id`` is the person an event's distinct id belonged to when it was stored; a later
identify or alias moves the id to another person. Analytics resolve that at query time, and so
does this read: the newest events are picked first, then joined to ``person_distinct_ids`` for
their distinct ids only. One SQL text serves DuckDB and ClickHouse (``?`` placeholders).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from launchloop.store.base import EVENT_COLUMNS

#: A store's ``query`` method: SQL with ``?`` placeholders and their values -> rows.
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

# ClickHouse fills an unmatched LEFT JOIN column with '' rather than NULL: nullif covers both.
_COLUMNS = ", ".join(
    "coalesce(nullif(p.person_id, ''), r.person_id) AS person_id" if c == "person_id" else "r." + c
    for c in EVENT_COLUMNS
)


def recent_events_sql(
    project_id: int, *, event: str | None, distinct_id: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The statement and parameters of :func:`read_recent_events`."""
    where: list[str] = ["project_id = ?"]
    params: list[Any] = [project_id]
    for column, value in (("event", event), ("distinct_id", distinct_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    recent = (
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {' AND '.join(where)} "
        "ORDER BY timestamp DESC, received_at DESC LIMIT ?"
    )
    sql = (
        f"WITH recent AS ({recent}) "
        f"SELECT {_COLUMNS} FROM recent AS r "
        "LEFT JOIN (SELECT distinct_id, person_id FROM person_distinct_ids "
        "WHERE project_id = ? AND distinct_id IN (SELECT distinct_id FROM recent)) AS p "
        "ON p.distinct_id = r.distinct_id "
        "ORDER BY r.timestamp DESC, r.received_at DESC"
    )
    return sql, [*params, limit, project_id]


def read_recent_events(
    query: Query,
    project_id: int,
    *,
    event: str | None = None,
    distinct_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest events of a project, newest first, each with its person as of now."""
    sql, params = recent_events_sql(project_id, event=event, distinct_id=distinct_id, limit=limit)
    return [event_dict(row) for row in query(sql, params)]


def event_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    """An ``EVENT_COLUMNS`` row as a dict, its properties parsed."""
    found = dict(zip(EVENT_COLUMNS, row, strict=True))
    found["properties"] = orjson.loads(found["properties"]) if found["properties"] else {}
    return found
