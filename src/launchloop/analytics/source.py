"""The rows every analytics query reads: a project's events, each resolved to its person.

A person is the merged person id of the event's distinct id, or the distinct id itself, looked
up when the query runs, so a merge made later applies to earlier events too.
"""

from __future__ import annotations

from launchloop.analytics.sql import Printer
from launchloop.analytics.timeframe import DateRange


def events_from(p: Printer, *, with_persons: bool = False) -> str:
    """``FROM events e`` joined to distinct ids (``pdi``) and, if asked, persons (``pp``)."""
    sql = (
        "FROM events AS e\n"
        f"LEFT JOIN {p.person_ids_table()} AS pdi\n"
        "    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id"
    )
    if with_persons:
        sql += (
            f"\nLEFT JOIN {p.persons_table()} AS pp\n"
            f"    ON pp.project_id = e.project_id AND pp.person_id = {p.person()}"
        )
    return sql


def in_range(
    p: Printer,
    project_id: int,
    span: DateRange | None,
    *,
    until: DateRange | None = None,
) -> str:
    """The project condition, and the time range when given (``until``: only its end bound)."""
    parts = [f"e.project_id = {p.param(int(project_id))}"]
    if span is not None:
        parts.append(f"e.timestamp >= {p.from_micros(p.param(span.start_micros()))}")
    bound = span or until
    if bound is not None:
        parts.append(f"e.timestamp < {p.from_micros(p.param(bound.end_micros()))}")
    return " AND ".join(parts)
