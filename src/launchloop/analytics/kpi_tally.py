"""The counts behind count, unique, ratio, adoption and friction-rate KPIs, in one query.

Per group (a period, or a local day) the query counts the numerator's events and persons and the
denominator's events, persons and sessions; the KPI's value is then a ratio of sufficient
statistics computed in Python (gbstats' pattern: the engine never hands back raw events).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from launchloop.analytics.filters import uses_person, where
from launchloop.analytics.source import in_range, person_rows
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import DateRange, bucket_sql, bucket_start
from launchloop.analytics.web import event_rows
from launchloop.store.base import EventStore

if TYPE_CHECKING:
    from launchloop.analytics.kpis import Kpi


@dataclass(frozen=True)
class Tally:
    """Numerator events and persons; denominator events, persons and sessions."""

    events: int = 0
    persons: int = 0
    base_events: int = 0
    base_persons: int = 0
    base_sessions: int = 0


def event_in(p: Printer, names: tuple[str, ...]) -> str:
    """``e.event IN (...)`` with every name bound (``true`` when no names: any event)."""
    if not names:
        return "true"
    return f"e.event IN ({', '.join(p.param(name) for name in names)})"


def _denominator(p: Printer, kpi: Kpi) -> str:
    if kpi.kind == "friction_rate":
        return f"({event_in(p, kpi.denominator)} AND e.session_id IS NOT NULL)"
    if kpi.kind in ("count", "unique"):
        return "false"
    return event_in(p, kpi.denominator)


def _wanted(kpi: Kpi) -> set[str]:
    """The distinct counts a KPI kind reads (see ``kpis.value_of``)."""
    if kpi.kind == "friction_rate":
        return {"base_sessions"}
    if kpi.kind in ("unique", "adoption") or (kpi.kind, kpi.math) == ("ratio", "unique"):
        return {"persons", "base_persons"}
    return set()


def tally_sql(kpi: Kpi, p: Printer, project_id: int, span: DateRange, group: str) -> Compiled:
    """Counts of ``kpi`` over ``span`` grouped by the SQL expression ``group``.

    Every condition is printed afresh where it appears: DuckDB binds ``?`` in text order.
    """
    needs_person = bool(_wanted(kpi) & {"persons", "base_persons"})
    person, source = "NULL", event_rows(p, kpi.filters, person=False)
    if needs_person:
        person, source = person_rows(p, project_id, with_persons=uses_person(kpi.filters))

    def numerator() -> str:
        return event_in(p, kpi.numerator_events)

    def base() -> str:
        return _denominator(p, kpi)

    # Exact distinct counts are the costly part: only those the kind reads are computed.
    wants = _wanted(kpi)

    def distinct(condition: Callable[[], str], value: str, name: str) -> str:
        return f"count(DISTINCT CASE WHEN {condition()} THEN {value} END)" if name in wants else "0"

    select = (
        f"SELECT {group} AS grp,\n"
        f"    {p.count_if(numerator())} AS events,\n"
        f"    {distinct(numerator, person, 'persons')} AS persons,\n"
        f"    {p.count_if(base())} AS base_events,\n"
        f"    {distinct(base, person, 'base_persons')} AS base_persons,\n"
        f"    {distinct(base, 'e.session_id', 'base_sessions')} AS base_sessions\n"
    )
    condition = f"{in_range(p, project_id, span)} AND ({numerator()} OR {base()})"
    sql = f"{select}{source}\nWHERE {condition} AND {where(kpi.filters, p)}\nGROUP BY grp"
    return p.compiled(sql)


def _run(store: EventStore, compiled: Compiled) -> dict[int, Tally]:
    return {int(row[0]): Tally(*(int(v or 0) for v in row[1:])) for row in run(store, compiled)}


def tally_by_period(
    store: EventStore, project_id: int, kpi: Kpi, span: DateRange
) -> tuple[Tally, Tally]:
    """The tallies of ``span`` and of the period of the same length before it."""
    p = printer_for(store.dialect, span.time_zone)
    both = DateRange(span.previous().start, span.end, span.time_zone)
    group = (
        f"CASE WHEN e.timestamp >= {p.from_micros(p.param(span.start_micros()))} THEN 1 ELSE 0 END"
    )
    # The group's parameter is printed first: bind order follows the text on both engines.
    tallies = _run(store, tally_sql(kpi, p, project_id, both, group))
    return tallies.get(1, Tally()), tallies.get(0, Tally())


def tally_by_day(
    store: EventStore, project_id: int, kpi: Kpi, span: DateRange
) -> dict[date, Tally]:
    """The tally of each local day of ``span`` that has matching events."""
    p = printer_for(store.dialect, span.time_zone)
    tallies = _run(store, tally_sql(kpi, p, project_id, span, bucket_sql(p, "day")))
    return {bucket_start(key, "day").date(): tally for key, tally in tallies.items()}
