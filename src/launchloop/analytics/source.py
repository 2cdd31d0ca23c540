"""The rows every analytics query reads: a project's events, each resolved to its person.

A person is the merged person id of the event's distinct id, or the distinct id itself, looked
up when the query runs, so a merge made later applies to earlier events too.
"""

from __future__ import annotations

from launchloop.analytics.sql import Printer, printer_for, run
from launchloop.analytics.timeframe import DateRange
from launchloop.store.base import EventStore


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


def person_rows(p: Printer, project_id: int, *, with_persons: bool = False) -> tuple[str, str]:
    """The person expression of an event row and the ``FROM`` clause that provides it.

    Where the engine can look the project's merged ids up without a join
    (:meth:`Printer.inline_person`, ClickHouse) and no person property is read, no join.
    """
    inline = None if with_persons else p.inline_person(project_id)
    if inline is not None:
        return inline, "FROM events AS e"
    return p.person(), events_from(p, with_persons=with_persons)


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


def data_version(store: EventStore, project_id: int) -> tuple[object, ...]:
    """What changes when a project's events change: their count and latest arrival.

    Merges arrive with events (``$identify``, ``$create_alias``), so they change it too.
    """
    p = printer_for(store.dialect)
    sql = f"SELECT count(*), max(received_at) FROM events WHERE project_id = {p.param(project_id)}"
    return tuple(run(store, p.compiled(sql))[0])
