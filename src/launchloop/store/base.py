"""The EventStore protocol: what ingestion, analytics and the API need from an event engine."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Protocol

from launchloop.ingest.batch import WriteBatch

#: Columns of the events table, in storage order (DESIGN.md "Storage").
EVENT_COLUMNS: tuple[str, ...] = (
    "uuid",
    "project_id",
    "timestamp",
    "received_at",
    "event",
    "distinct_id",
    "person_id",
    "session_id",
    "properties",
    "url",
    "path",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "browser",
    "os",
    "device_type",
    "element",
)

#: Columns of a row handed to :meth:`EventStore.write`: all but ``person_id``, which the store
#: resolves from its person table when it appends the row.
ROW_COLUMNS: tuple[str, ...] = tuple(c for c in EVENT_COLUMNS if c != "person_id")


class EventStore(Protocol):
    """An append-only event engine with person merging.

    Implementations: :class:`launchloop.store.duckdb.DuckDBStore` (embedded default),
    :class:`launchloop.store.clickhouse.ClickHouseStore` (chdb in-process, or a server).
    """

    dialect: str

    def write(self, batch: WriteBatch) -> int:
        """Apply person changes, then append the batch's events not stored yet; one commit.

        Returns how many events were new (retried uuids are stored once).
        """
        ...

    def recent_events(
        self,
        project_id: int,
        *,
        event: str | None = None,
        distinct_id: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The newest events of a project, newest first, optionally of one event or id.

        ``person_id`` is the event's person as of now (merges made after it resolved).
        """
        ...

    def person(self, project_id: int, distinct_id: str) -> dict[str, Any] | None:
        """The person behind a distinct id: its id, every distinct id, properties, is_identified."""
        ...

    def erase_person(self, project_id: int, distinct_id: str) -> dict[str, int]:
        """Delete the person behind ``distinct_id`` for good (privacy erasure).

        Removes the events of every distinct id merged into the person, the distinct-id rows
        and the person's properties, under the store's write lock (never racing an append).
        Returns the counts removed: ``events``, ``distinct_ids``, ``persons``.
        """
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only SQL statement in this store's dialect (parameters bound)."""
        ...

    def count_events(self, project_id: int) -> int:
        """How many events a project has."""
        ...

    def close(self) -> None:
        """Flush and release the engine."""
        ...


def open_store(url: str, **options: Any) -> EventStore:
    """Open the event store named by ``url``.

    ``duckdb:///path`` (or ``duckdb:///:memory:``), ``chdb:///path`` (or ``chdb://:memory:``),
    ``clickhouse://user:pass@host:8123/db``. ``options`` are engine tuning (DuckDB's
    ``memory_limit``, ``threads``); a store ignores those it does not take.
    """
    if url.startswith("duckdb://"):
        from launchloop.store.duckdb import DuckDBStore

        path = url.removeprefix("duckdb://").removeprefix("/") or ":memory:"
        return DuckDBStore(path, **_taken(DuckDBStore, options))
    if url.startswith(("chdb://", "clickhouse://", "clickhouses://")):
        from launchloop.store.clickhouse import ClickHouseStore

        return ClickHouseStore.open(url)
    raise ValueError(
        f"unsupported event store URL: {url!r} "
        "(expected duckdb:///path, chdb:///path or clickhouse://user:pass@host:8123/db)"
    )


def _taken(store: type, options: dict[str, Any]) -> dict[str, Any]:
    """The options that ``store``'s constructor accepts."""
    accepted = inspect.signature(store).parameters
    return {name: value for name, value in options.items() if name in accepted}
