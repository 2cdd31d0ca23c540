"""Paths: the most frequent next (or previous) N events or pages around an event.

Each person contributes one path, taken from their first occurrence of the anchor event in the
range: the ``steps`` events that follow it (``after``) or precede it (``before``), in time order
(ties by uuid). In ``page`` mode the items are the paths of ``$pageview`` events (other events
are skipped). A path shorter than ``steps`` means the person did nothing more in the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from launchloop.analytics.filters import EventSpec, uses_person
from launchloop.analytics.source import events_from, in_range
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

Direction = Literal["after", "before"]
ItemKind = Literal["event", "page"]
PAGEVIEW = "$pageview"
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class PathsQuery:
    """Paths of ``steps`` items after or before the first ``anchor`` of each person."""

    project_id: int
    span: DateRange
    anchor: EventSpec
    direction: Direction = "after"
    steps: int = 3
    items: ItemKind = "event"
    limit: int = 20

    def __post_init__(self) -> None:
        if self.direction not in get_args(Direction):
            raise InvalidInput("direction", "must be after or before")
        if self.items not in get_args(ItemKind):
            raise InvalidInput("items", "must be event or page")
        if not 1 <= self.steps <= 10:
            raise InvalidInput("steps", "must be between 1 and 10")
        if not 1 <= self.limit <= 1000:
            raise InvalidInput("limit", "must be between 1 and 1000")


@dataclass(frozen=True)
class PathCount:
    """One path (items in time order) and how many persons took it."""

    items: tuple[str, ...]
    persons: int


@dataclass(frozen=True)
class PathsResult:
    """The most frequent paths, most persons first."""

    direction: Direction
    paths: tuple[PathCount, ...]


def paths_sql(query: PathsQuery, p: Printer) -> Compiled:
    """Rows (joined path, persons), most frequent first."""
    anchor = query.anchor.sql(p)
    if query.items == "page":
        page = p.param(PAGEVIEW)
        item = f"CASE WHEN e.event = {page} THEN coalesce(e.path, e.url, '') ELSE e.event END"
        keep = f" AND (e.event = {page} OR {anchor})"
    else:
        item, keep = "e.event", ""
    joins = events_from(p, with_persons=uses_person(query.anchor.filters))
    count = p.param(int(query.steps))
    if query.direction == "after":
        window = p.slice("items", "j + 1", count)
    else:
        window = p.slice("items", f"greatest(j - {count}, 1)", f"j - greatest(j - {count}, 1)")
    order = "e.timestamp, e.uuid"
    first = p.list_filter(p.indexes("marks"), p.lam("i", "marks[i] = 1"))
    sql = (
        "WITH per AS (\n"
        f"SELECT {p.person()} AS person, {p.list_of(item, order)} AS items,\n"
        f"    {p.list_of(f'CASE WHEN {anchor} THEN 1 ELSE 0 END', order)} AS marks\n"
        f"{joins}\nWHERE {in_range(p, query.project_id, query.span)}{keep}\nGROUP BY person\n),\n"
        "anchored AS (\n"
        f"SELECT items, {p.first_or_zero(first)} AS j FROM per\n)\n"
        f"SELECT {p.join_text(window)} AS path, count(*) AS persons FROM anchored WHERE j > 0\n"
        f"GROUP BY path ORDER BY persons DESC, path LIMIT {p.param(int(query.limit))}"
    )
    return p.compiled(sql)


def paths(store: EventStore, query: PathsQuery) -> PathsResult:
    """Run a paths query on ``store`` (one statement)."""
    rows = run(store, paths_sql(query, printer_for(store.dialect, query.span.time_zone)))
    found = tuple(
        PathCount(tuple(str(path).split(_SEPARATOR)) if path else (), int(persons))
        for path, persons in rows
    )
    return PathsResult(query.direction, found)
