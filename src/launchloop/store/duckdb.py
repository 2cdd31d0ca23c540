"""The embedded event store: one DuckDB file, one writer connection, append-only events."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from launchloop.errors import StorageFull
from launchloop.ingest.batch import WriteBatch
from launchloop.store.base import EVENT_COLUMNS, ROW_COLUMNS
from launchloop.store.duckdb_persons import ADDED_COLUMNS, apply_person_changes, erase_person_rows
from launchloop.store.recent import read_recent_events

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    uuid VARCHAR NOT NULL,
    project_id INTEGER NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,
    distinct_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    session_id VARCHAR,
    properties JSON,
    url VARCHAR,
    path VARCHAR,
    referrer VARCHAR,
    utm_source VARCHAR,
    utm_medium VARCHAR,
    utm_campaign VARCHAR,
    browser VARCHAR,
    os VARCHAR,
    device_type VARCHAR,
    element VARCHAR
);
CREATE TABLE IF NOT EXISTS person_distinct_ids (
    project_id INTEGER NOT NULL,
    distinct_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    PRIMARY KEY (project_id, distinct_id)
);
CREATE TABLE IF NOT EXISTS persons (
    project_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    properties JSON NOT NULL,
    PRIMARY KEY (project_id, person_id)
);
"""

_ROW_SCHEMA = pa.schema(
    [
        ("uuid", pa.string()),
        ("project_id", pa.int32()),
        ("timestamp", pa.timestamp("us")),
        ("received_at", pa.timestamp("us")),
        *[(name, pa.string()) for name in ROW_COLUMNS[4:]],
    ]
)

# A retry carries the same uuid *and* the same timestamp. The explicit BETWEEN on the batch's
# time range lets DuckDB skip every row group whose range misses it (zone maps): without it the
# check scanned every stored key, ~40 ms per 10,000 events at 2M events and growing (issue 2).
_APPEND = f"""
INSERT INTO events ({", ".join(EVENT_COLUMNS)})
SELECT {
    ", ".join(
        "coalesce(p.person_id, b.distinct_id)" if c == "person_id" else "b." + c
        for c in EVENT_COLUMNS
    )
}
FROM incoming AS b
LEFT JOIN person_distinct_ids AS p
    ON p.project_id = b.project_id AND p.distinct_id = b.distinct_id
WHERE NOT EXISTS (
    SELECT 1 FROM events AS e
    WHERE e.project_id = b.project_id AND e.uuid = b.uuid AND e.timestamp = b.timestamp
        AND e.timestamp BETWEEN make_timestamp($low) AND make_timestamp($high)
)
"""


DISK_FULL = "the event store's disk is full: nothing of this request was stored"


class DuckDBStore:
    """Events, persons and distinct ids in one DuckDB database file (or in memory)."""

    dialect = "duckdb"

    def __init__(
        self,
        path: str,
        *,
        memory_limit: str = "2GB",
        threads: int = 0,
        checkpoint_threshold: str = "128MB",
    ) -> None:
        # A larger checkpoint threshold than DuckDB's 16MB: each checkpoint recompresses the
        # last, partly filled row group, so checkpointing every ~40k events costs ingestion
        # about a third of its write time and stalls commits for hundreds of ms (issue 2).
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            "checkpoint_threshold": checkpoint_threshold,
        }
        if threads:
            config["threads"] = threads
        self.path = path
        self._con = duckdb.connect(path, config=config)
        self._con.execute(SCHEMA + ADDED_COLUMNS)
        self._lock = threading.Lock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def write(self, batch: WriteBatch) -> int:
        """Apply the person changes, then append the new events; all in one transaction."""
        with self._lock:
            con = self._con
            try:
                con.execute("BEGIN")
                apply_person_changes(con, batch.person_changes)
                added = self._append(con, batch.rows)
                con.execute("COMMIT")
            except duckdb.Error as error:
                _rollback(con)
                if _is_disk_full(error):
                    # The engine's message names server paths: keep it in the log, not the answer.
                    raise StorageFull(DISK_FULL) from error
                raise
            return added

    def _append(self, con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> int:
        if not rows:
            return 0
        rows = _first_of_each(rows)
        incoming = pa.Table.from_arrays(
            [
                pa.array(column, type=field.type)
                for column, field in zip(zip(*rows, strict=False), _ROW_SCHEMA, strict=False)
            ],
            schema=_ROW_SCHEMA,
        )
        _finish_result(con)
        con.register("incoming", incoming)
        try:
            times = [row[2] for row in rows]
            span = {"low": min(times), "high": max(times)}
            result = con.execute(_APPEND, span).fetchone()
        finally:
            con.unregister("incoming")
        return int(result[0]) if result else 0

    def recent_events(
        self,
        project_id: int,
        *,
        event: str | None = None,
        distinct_id: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The newest events of a project, newest first, each with its current person."""
        return read_recent_events(
            self.query, project_id, event=event, distinct_id=distinct_id, limit=limit
        )

    def person(self, project_id: int, distinct_id: str) -> dict[str, Any] | None:
        """The person behind ``distinct_id``: id, distinct ids, properties (None if unseen)."""
        cur = self._cursor()
        person_id = _person_of(cur, project_id, distinct_id)
        seen = cur.execute(
            "SELECT 1 FROM events WHERE project_id = ? AND person_id = ? LIMIT 1",
            [project_id, person_id],
        ).fetchone()
        ids = cur.execute(
            "SELECT distinct_id FROM person_distinct_ids WHERE project_id = ? AND person_id = ?",
            [project_id, person_id],
        ).fetchall()
        props = cur.execute(
            "SELECT properties, is_identified FROM persons WHERE project_id = ? AND person_id = ?",
            [project_id, person_id],
        ).fetchone()
        if not (seen or ids or props):
            return None
        distinct_ids = sorted({person_id, *(row[0] for row in ids)})
        return {
            "person_id": person_id,
            "distinct_ids": distinct_ids,
            "properties": orjson.loads(props[0]) if props else {},
            "is_identified": bool(props and props[1]),
        }

    def erase_person(self, project_id: int, distinct_id: str) -> dict[str, int]:
        """Delete the person behind ``distinct_id``: events, distinct ids, properties; counts.

        Holds the write lock, so no group commit appends between the lookup and the delete.
        """
        with self._lock:
            found = self.person(project_id, distinct_id)
            if found is None:
                return {"events": 0, "distinct_ids": 0, "persons": 0}
            con = self._con
            try:
                con.execute("BEGIN")
                counts = erase_person_rows(
                    con, project_id, found["person_id"], found["distinct_ids"]
                )
                con.execute("COMMIT")
            except duckdb.Error:
                _rollback(con)
                raise
        return {
            "events": counts["events"],
            "distinct_ids": counts["person_distinct_ids"],
            "persons": counts["persons"],
        }

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query on a cursor of its own (safe beside the writer)."""
        return self._cursor().execute(sql, list(params)).fetchall()

    def count_events(self, project_id: int) -> int:
        """How many events a project has."""
        row = self.query("SELECT count(*) FROM events WHERE project_id = ?", [project_id])
        return int(row[0][0])

    def close(self) -> None:
        """Checkpoint and close the database."""
        with self._lock:
            self._con.close()


def _first_of_each(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of a group without repeats of a (project, uuid, timestamp): the first one wins.

    Done here rather than with DISTINCT ON in SQL, which cost ~30% of the append (issue 2).
    """
    first: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in rows:
        first.setdefault((row[1], row[0], row[2]), row)
    return rows if len(first) == len(rows) else list(first.values())


def _finish_result(con: duckdb.DuckDBPyConnection) -> None:
    """Run a half-read result to its end: DuckDB 2 refuses ``register()`` while one is open.

    A person lookup read with ``fetchone()`` leaves its result open; the append then failed the
    whole group (a 500 for every request in it) whenever a repeated identify came last.
    """
    complete = getattr(con, "complete", None)  # DuckDB >= 2.0; older versions close it for us
    if complete is not None:
        complete()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _is_disk_full(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "no space left" in text or "disk full" in text or "could not write" in text


def _person_of(con: duckdb.DuckDBPyConnection, project_id: int, distinct_id: str) -> str:
    row = con.execute(
        "SELECT person_id FROM person_distinct_ids WHERE project_id = ? AND distinct_id = ?",
        [project_id, distinct_id],
    ).fetchone()
    return str(row[0]) if row else distinct_id
