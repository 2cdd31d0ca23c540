"""The ClickHouse event store: chdb in-process (tests, one machine) or a server (scale-out).

Events live in a MergeTree ordered by (project, event, day, person, time): per-project,
per-event scans then skip most of the table, which FACTS.md measured as the biggest single gain
for funnels and retention (2-3x). There is no partitioning: a batch spanning more than 100 months
(an import) would otherwise be refused by ``max_partitions_per_insert_block``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from launchloop.ingest.batch import PersonMerge, WriteBatch
from launchloop.store.base import EVENT_COLUMNS
from launchloop.store.clickhouse_connection import ClickHouseConnection, connect
from launchloop.store.clickhouse_params import bind_positional
from launchloop.store.clickhouse_persons import PERSON_SCHEMA, PersonBook, erase_person_rows
from launchloop.store.recent import read_recent_events

EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    uuid String,
    project_id Int32,
    timestamp DateTime64(6, 'UTC'),
    received_at DateTime64(6, 'UTC'),
    event LowCardinality(String),
    distinct_id String,
    person_id String,
    session_id Nullable(String),
    properties String,
    url Nullable(String),
    path Nullable(String),
    referrer Nullable(String),
    utm_source LowCardinality(Nullable(String)),
    utm_medium LowCardinality(Nullable(String)),
    utm_campaign LowCardinality(Nullable(String)),
    browser LowCardinality(Nullable(String)),
    os LowCardinality(Nullable(String)),
    device_type LowCardinality(Nullable(String)),
    element Nullable(String),
    -- the retry check looks uuids up; the bloom filter keeps it off most granules
    INDEX uuid_index uuid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
ORDER BY (project_id, event, toDate(timestamp), person_id, timestamp)
"""

# A retry carries the same uuid *and* timestamp (and event): bounding the lookup by the batch's
# events and time range lets the primary key and the uuid index skip what cannot match.
_STORED_KEYS = """
SELECT uuid, toUnixTimestamp64Micro(timestamp) FROM events
WHERE project_id = ? AND event IN ?
  AND timestamp BETWEEN fromUnixTimestamp64Micro(?, 'UTC') AND fromUnixTimestamp64Micro(?, 'UTC')
  AND uuid IN ?
"""

_TIME_COLUMNS = {"timestamp", "received_at"}


class ClickHouseStore:
    """Events, persons and distinct ids in ClickHouse, through chdb or clickhouse-connect."""

    dialect = "clickhouse"

    def __init__(self, connection: ClickHouseConnection) -> None:
        self._con = connection
        for statement in (EVENTS_SCHEMA, *PERSON_SCHEMA):
            self._con.command(statement)
        self._lock = threading.Lock()
        self._version = 0

    @classmethod
    def open(cls, url: str) -> ClickHouseStore:
        """Open ``chdb:///path``, ``chdb://:memory:`` or ``clickhouse://user:pw@host:8123/db``."""
        return cls(connect(url))

    def _next_version(self) -> int:
        # Wall-clock nanoseconds order versions across processes; +1 keeps them strictly rising.
        self._version = max(time.time_ns(), self._version + 1)
        return self._version

    def write(self, batch: WriteBatch) -> int:
        """Apply the person changes, then append the events not stored yet.

        ClickHouse has no multi-statement transaction: persons are saved first, so a failed
        write that is retried applies them again (idempotent) and then appends its events.
        """
        with self._lock:
            book = PersonBook(self._con)
            book.preload([(row[1], row[5]) for row in batch.rows] + list(_change_ids(batch)))
            for change in batch.person_changes:
                book.apply(change)
            book.save(self._next_version())
            return self._append(batch.rows, book)

    def _append(self, rows: list[tuple[Any, ...]], book: PersonBook) -> int:
        fresh: dict[tuple[int, str, int], tuple[Any, ...]] = {}
        for row in rows:
            fresh.setdefault((row[1], row[0], row[2]), row)
        stored = self._stored_keys(list(fresh.values()))
        new = [row for key, row in fresh.items() if key not in stored]
        if not new:
            return 0
        lines = b"\n".join(
            orjson.dumps(_json_row(row, book.person_of(row[1], row[5]))) for row in new
        )
        self._con.insert_json("events", EVENT_COLUMNS, lines)
        return len(new)

    def _stored_keys(self, rows: list[tuple[Any, ...]]) -> set[tuple[int, str, int]]:
        by_project: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            by_project[row[1]].append(row)
        stored: set[tuple[int, str, int]] = set()
        for project, group in by_project.items():
            times = [row[2] for row in group]
            found = self.query(
                _STORED_KEYS,
                [
                    project,
                    sorted({row[4] for row in group}),
                    min(times),
                    max(times),
                    sorted({row[0] for row in group}),
                ],
            )
            stored.update((project, uuid, int(micros)) for uuid, micros in found)
        return stored

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
        book = PersonBook(self._con)
        person_id = book.person_of(project_id, distinct_id)
        seen = self.query(
            "SELECT 1 FROM events WHERE project_id = ? AND person_id = ? LIMIT 1",
            [project_id, person_id],
        )
        ids = self.query(
            "SELECT distinct_id FROM person_distinct_ids WHERE project_id = ? AND person_id = ?",
            [project_id, person_id],
        )
        props = self.query(
            "SELECT properties, is_identified FROM persons WHERE project_id = ? AND person_id = ?",
            [project_id, person_id],
        )
        if not (seen or ids or props):
            return None
        return {
            "person_id": person_id,
            "distinct_ids": sorted({person_id, *(row[0] for row in ids)}),
            "properties": orjson.loads(props[0][0]) if props else {},
            "is_identified": bool(props and props[0][1]),
        }

    def erase_person(self, project_id: int, distinct_id: str) -> dict[str, int]:
        """Delete the person behind ``distinct_id``: events, distinct ids, properties; counts.

        Mutations run with ``mutations_sync = 2`` (waited for) under the write lock.
        """
        with self._lock:
            found = self.person(project_id, distinct_id)
            if found is None:
                return {"events": 0, "distinct_ids": 0, "persons": 0}
            person_id, ids = found["person_id"], found["distinct_ids"]
            counts = {
                "events": self._count(
                    "events", project_id, "(distinct_id IN ? OR person_id IN ?)", [ids, ids]
                ),
                "distinct_ids": self._count(
                    "person_distinct_ids",
                    project_id,
                    "(distinct_id IN ? OR person_id = ?)",
                    [ids, person_id],
                ),
                "persons": self._count("persons", project_id, "person_id = ?", [person_id]),
            }
            erase_person_rows(self._con, project_id, person_id, ids)
        return counts

    def _count(self, table: str, project_id: int, where: str, params: list[Any]) -> int:
        sql = f"SELECT count() FROM {table} WHERE project_id = ? AND {where}"
        return int(self.query(sql, [project_id, *params])[0][0])

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run a read query: ``?`` placeholders with a sequence, or ``{name:Type}`` with a mapping.

        Timestamps come back as naive UTC datetimes, as DuckDB returns them.
        """
        if isinstance(params, Mapping):
            return self._con.select(sql, params)
        bound, named = bind_positional(sql, params)
        return self._con.select(bound, named)

    def count_events(self, project_id: int) -> int:
        """How many events a project has."""
        return int(
            self.query("SELECT count() FROM events WHERE project_id = ?", [project_id])[0][0]
        )

    def close(self) -> None:
        """Release the engine (chdb keeps its folder; a server keeps everything)."""
        with self._lock:
            self._con.close()


def _change_ids(batch: WriteBatch) -> set[tuple[int, str]]:
    ids: set[tuple[int, str]] = set()
    for change in batch.person_changes:
        if isinstance(change, PersonMerge):
            ids.update({(change.project_id, change.keep_id), (change.project_id, change.merge_id)})
        else:
            ids.add((change.project_id, change.distinct_id))
    return ids


def _json_row(row: tuple[Any, ...], person_id: str) -> dict[str, Any]:
    """A ``ROW_COLUMNS`` tuple as a JSONEachRow object (times as exact decimal seconds)."""
    values = dict(zip((c for c in EVENT_COLUMNS if c != "person_id"), row, strict=True))
    for column in _TIME_COLUMNS:
        seconds, micros = divmod(int(values[column]), 1_000_000)
        values[column] = f"{seconds}.{micros:06d}"
    values["person_id"] = person_id
    values["properties"] = values["properties"] or "{}"
    return values
