"""One query model, one printer per engine (STYLE.md rule 5).

Each analytics query is written once, as text built from the methods of a :class:`Printer`;
the DuckDB and ClickHouse printers render the pieces that differ between the two engines:
parameters, JSON property extraction, person resolution, local time in the project's time zone,
list functions and conditional aggregates. Values are always bound as parameters; the only
identifiers printed are fixed column names and validated time zones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

_ZONES = frozenset(available_timezones()) | {"UTC"}


@dataclass(frozen=True)
class Compiled:
    """A printed statement and its parameters (a list for DuckDB ``$n``, a dict for ClickHouse)."""

    sql: str
    params: Sequence[Any] | dict[str, Any]


@dataclass
class Params:
    """The values bound so far while printing one statement."""

    values: list[Any] = field(default_factory=list)


def check_time_zone(time_zone: str, field_name: str = "time_zone") -> str:
    """A known IANA time zone name (safe to print), else InvalidInput."""
    if time_zone not in _ZONES:
        raise InvalidInput(field_name, f"unknown time zone {time_zone!r}")
    return time_zone


class Printer:
    """What every dialect prints; subclasses fill in the engine-specific pieces."""

    dialect = ""

    def __init__(self, time_zone: str = "UTC") -> None:
        self.tz = check_time_zone(time_zone)
        self.params = Params()

    # -- parameters -------------------------------------------------------------------------
    def param(self, value: Any) -> str:
        """Bind ``value`` and return its placeholder."""
        raise NotImplementedError

    def compiled(self, sql: str) -> Compiled:
        """The finished statement with the parameters bound while printing it."""
        raise NotImplementedError

    # -- scalar pieces ----------------------------------------------------------------------
    def person(self) -> str:
        """The person of an event row: its merged person id, or its own distinct id."""
        return "coalesce(pdi.person_id, e.distinct_id)"

    def inline_person(self, project_id: int) -> str | None:
        """The person of an event row with the project's merges inlined (no join), or None.

        None when the engine joins ``person_distinct_ids`` instead (see ``source.events_from``).
        """
        return None

    def person_ids_table(self) -> str:
        """The table (or view) of current distinct id -> person id rows.

        The ClickHouse store serves views of the same names that read only each key's newest
        version (FINAL), so both dialects print the same name.
        """
        return "person_distinct_ids"

    def persons_table(self) -> str:
        """The table (or view) of current person properties."""
        return "persons"

    def json_text(self, document: str, key: str) -> str:
        """The text of top-level ``key`` of a JSON column (NULL when missing, null or '')."""
        raise NotImplementedError

    def to_number(self, text: str) -> str:
        """A text cast to a double, NULL when it is not a number."""
        raise NotImplementedError

    def micros(self, timestamp: str) -> str:
        """A UTC timestamp column as epoch microseconds."""
        raise NotImplementedError

    def from_micros(self, placeholder: str) -> str:
        """Epoch microseconds as a UTC timestamp comparable to the ``timestamp`` column."""
        raise NotImplementedError

    def local_seconds(self, timestamp: str) -> str:
        """Seconds since 1970 of the wall-clock time in the project's time zone."""
        raise NotImplementedError

    def local_month(self, timestamp: str) -> str:
        """year * 12 + month of the wall-clock time in the project's time zone."""
        raise NotImplementedError

    def int_div(self, left: str, right: str) -> str:
        """Integer division (both sides are non-negative here)."""
        raise NotImplementedError

    def regex(self, text: str, pattern: str) -> str:
        """``text`` matches the regular expression ``pattern`` anywhere."""
        raise NotImplementedError

    def contains(self, text: str, needle: str) -> str:
        """``text`` contains ``needle`` (case-insensitive)."""
        raise NotImplementedError

    def bit_and(self, left: str, right: str) -> str:
        """Bitwise and of two integers."""
        raise NotImplementedError

    # -- lists ------------------------------------------------------------------------------
    def list_of(self, value: str, order: str) -> str:
        """Aggregate: the group's values as a list sorted by ``order``."""
        raise NotImplementedError

    def sorted_list(self, value: str) -> str:
        """Aggregate: the group's values as a list sorted ascending."""
        raise NotImplementedError

    def lam(self, arg: str, body: str) -> str:
        """A one-argument lambda."""
        raise NotImplementedError

    def list_filter(self, items: str, lam: str) -> str:
        """The items for which the lambda is true, in order."""
        raise NotImplementedError

    def list_map(self, items: str, lam: str) -> str:
        """The lambda applied to every item."""
        raise NotImplementedError

    def first_or_zero(self, items: str) -> str:
        """The first item of an integer list, 0 when the list is empty."""
        raise NotImplementedError

    def pair(self, first: str, second: str) -> str:
        """A pair that sorts by ``first``, then ``second``."""
        raise NotImplementedError

    def pair_item(self, pair: str, index: int) -> str:
        """Item 1 or 2 of a pair."""
        raise NotImplementedError

    def list_contains(self, items: str, value: str) -> str:
        """Whether the list holds ``value``."""
        raise NotImplementedError

    def unnest(self, items: str) -> str:
        """One row per item (in a SELECT list)."""
        raise NotImplementedError

    def list_concat(self, first: str, second: str) -> str:
        """Two lists end to end (a NULL second list counts as empty)."""
        raise NotImplementedError

    def distinct_list_if(self, value: str, condition: str) -> str:
        """Aggregate: the distinct values of the rows that meet ``condition``, as a list."""
        raise NotImplementedError

    def map_zip(self, lists: Sequence[str], body: Callable[..., str]) -> str:
        """For each position of the (equally long) ``lists``, ``body`` of their items there."""
        raise NotImplementedError

    def positions(self, masks: str, bits: int) -> str:
        """The 1-based positions of ``masks`` whose value has any of ``bits``."""
        raise NotImplementedError

    def values_at(self, values: str, masks: str, bits: int) -> str:
        """The items of ``values`` at the positions of ``masks`` that have any of ``bits``."""
        raise NotImplementedError

    def first_position(self, positions: str, times: str, test: Callable[[str, str], str]) -> str:
        """The first of ``positions`` (with its time in ``times``) that passes ``test``; 0 if none.

        ``test`` gets the printed position and time (``ts`` indexed by it in DuckDB).
        """
        raise NotImplementedError

    def first_item(self, items: str, test: Callable[[str], str]) -> str:
        """The first item of a list of positive integers that passes ``test``; 0 if none."""
        raise NotImplementedError

    def first_nonzero(self, items: str) -> str:
        """The 1-based position of the first item that is not 0 (0 when none)."""
        raise NotImplementedError

    def length(self, items: str) -> str:
        """How many items a list has."""
        raise NotImplementedError

    def indexes(self, items: str) -> str:
        """The list [1, 2, ..., length(items)]."""
        raise NotImplementedError

    def slice(self, items: str, start: str, count: str) -> str:
        """``count`` items from 1-based position ``start``."""
        raise NotImplementedError

    def list_max(self, items: str) -> str:
        """The largest item of a non-empty list."""
        raise NotImplementedError

    def position(self, items: str, value: str) -> str:
        """The 1-based position of the first item equal to ``value`` (0 when none)."""
        raise NotImplementedError

    def list_sort(self, items: str) -> str:
        """The list sorted ascending."""
        raise NotImplementedError

    def join_text(self, items: str) -> str:
        """A list of texts joined with the unit separator (U+001F)."""
        raise NotImplementedError

    # -- aggregates -------------------------------------------------------------------------
    def count_if(self, condition: str) -> str:
        """How many rows of the group meet ``condition``."""
        raise NotImplementedError

    def quantile_if(self, value: str, level: float, condition: str) -> str:
        """Linearly interpolated quantile (numpy's default) of ``value`` over matching rows."""
        raise NotImplementedError

    def window_funnel(self, window_micros: int, time: str, conditions: list[str]) -> str | None:
        """Aggregate: the engine's own funnel level per group, or None when it has none."""
        return None

    def suffix(self) -> str:
        """Text appended to every statement (settings)."""
        return ""


def printer_for(dialect: str, time_zone: str = "UTC") -> Printer:
    """A fresh printer (with no parameters bound yet) for a store's dialect."""
    if dialect == "duckdb":
        from launchloop.analytics.printer_duckdb import DuckDBPrinter

        return DuckDBPrinter(time_zone)
    if dialect == "clickhouse":
        from launchloop.analytics.printer_clickhouse import ClickHousePrinter

        return ClickHousePrinter(time_zone)
    raise ValueError(f"no SQL printer for dialect {dialect!r}")


def run(store: EventStore, compiled: Compiled) -> list[tuple[Any, ...]]:
    """Execute a printed statement on the store it was printed for."""
    return store.query(compiled.sql, compiled.params)  # type: ignore[arg-type]
