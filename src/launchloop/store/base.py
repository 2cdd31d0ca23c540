"""The EventStore protocol: what ingestion, analytics and the API need from an event engine."""

from __future__ import annotations

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

    Implementations: :class:`launchloop.store.duckdb.DuckDBStore` (embedded default).
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
        """The newest events of a project, newest first, optionally of one event or id."""
        ...

    def person(self, project_id: int, distinct_id: str) -> dict[str, Any] | None:
        """The person behind a distinct id: its id, every distinct id and its properties."""
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
    """Open the event store named by ``url`` (``duckdb:///path`` or ``duckdb:///:memory:``)."""
    if url.startswith("duckdb://"):
        from launchloop.store.duckdb import DuckDBStore

        return DuckDBStore(url.removeprefix("duckdb://").removeprefix("/") or ":memory:", **options)
    raise ValueError(f"unsupported event store URL: {url!r} (expected duckdb:///path)")
