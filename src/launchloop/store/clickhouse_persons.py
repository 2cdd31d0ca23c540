"""Person merging on ClickHouse: versioned rows in ReplacingMergeTree tables, read through views.

ClickHouse has no UPDATE in the write path, so a write reads the person rows it touches, applies
the batch's merges and property updates in memory (the rules of ``store/duckdb.py``), and inserts
the changed rows once with a higher version; the newest version of a key is the truth.

A person is *identified* once an identify or alias names it (``is_identified``); an
``$identify`` never merges an identified person into another (PostHog's rule, issue 2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import orjson

from launchloop.ingest.batch import PersonChange, PersonIdentify, PersonMerge, PersonUpdate
from launchloop.store.clickhouse_connection import ClickHouseConnection
from launchloop.store.clickhouse_params import bind_positional

# Writes go to versioned tables; readers (the store, every analytics query) read the views with
# the same names and columns as DuckDB's tables, which show only each key's newest version.
# Without them a join on distinct ids would count an event once per unmerged version.
PERSON_SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS person_distinct_id_versions (
        project_id Int32,
        distinct_id String,
        person_id String,
        version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (project_id, distinct_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS person_versions (
        project_id Int32,
        person_id String,
        properties String,
        is_deleted UInt8,
        version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (project_id, person_id)
    """,
    # Added after the first release: the column, then the view again, for existing data.
    "ALTER TABLE person_versions ADD COLUMN IF NOT EXISTS is_identified UInt8 DEFAULT 0",
    """
    CREATE VIEW IF NOT EXISTS person_distinct_ids AS
    SELECT project_id, distinct_id, person_id FROM person_distinct_id_versions FINAL
    """,
    """
    CREATE OR REPLACE VIEW persons AS
    SELECT project_id, person_id, properties, is_identified
    FROM person_versions FINAL WHERE is_deleted = 0
    """,
)

Key = tuple[int, str]


class PersonBook:
    """The person rows one write touches: read lazily, changed in memory, saved in one insert."""

    def __init__(self, connection: ClickHouseConnection) -> None:
        self._con = connection
        self._ids: dict[Key, str | None] = {}
        self._props: dict[Key, dict[str, Any] | None] = {}
        self._identified: set[Key] = set()
        self._changed_ids: set[Key] = set()
        self._changed_props: set[Key] = set()

    def _select(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        bound, named = bind_positional(sql, params)
        return self._con.select(bound, named)

    def preload(self, keys: Iterable[Key]) -> None:
        """Read the persons of many distinct ids at once (one query per project)."""
        by_project: dict[int, set[str]] = defaultdict(set)
        for project, distinct_id in keys:
            if (project, distinct_id) not in self._ids:
                by_project[project].add(distinct_id)
        for project, wanted in by_project.items():
            rows = self._select(
                "SELECT distinct_id, person_id FROM person_distinct_ids "
                "WHERE project_id = ? AND distinct_id IN ?",
                project,
                sorted(wanted),
            )
            found = dict(rows)
            for distinct_id in wanted:
                self._ids[(project, distinct_id)] = found.get(distinct_id)

    def person_of(self, project: int, distinct_id: str) -> str:
        """The person id of ``distinct_id`` (itself when it was never merged)."""
        key = (project, distinct_id)
        if key not in self._ids:
            self.preload([key])
        return self._ids[key] or distinct_id

    def _ids_of(self, project: int, person_id: str) -> set[str]:
        rows = self._select(
            "SELECT distinct_id, person_id FROM person_distinct_ids "
            "WHERE project_id = ? AND person_id = ?",
            project,
            person_id,
        )
        for distinct_id, stored in rows:
            self._ids.setdefault((project, distinct_id), stored)
        return {
            distinct_id
            for (owner, distinct_id), person in self._ids.items()
            if owner == project and person == person_id
        }

    def properties(self, project: int, person_id: str) -> dict[str, Any]:
        """A person's properties ({} when it has none)."""
        self._load(project, person_id)
        return dict(self._props[(project, person_id)] or {})

    def is_identified(self, project: int, person_id: str) -> bool:
        """Whether an identify or alias named this person."""
        self._load(project, person_id)
        return (project, person_id) in self._identified

    def _load(self, project: int, person_id: str) -> None:
        key = (project, person_id)
        if key in self._props:
            return
        rows = self._select(
            "SELECT properties, is_identified FROM persons WHERE project_id = ? AND person_id = ?",
            project,
            person_id,
        )
        self._props[key] = orjson.loads(rows[0][0]) if rows else None
        if rows and rows[0][1]:
            self._identified.add(key)

    def _save_properties(self, project: int, person_id: str, props: dict[str, Any] | None) -> None:
        """Keep a person's new row (``None``: merged away, deleted)."""
        self._props[(project, person_id)] = props
        if props is None:
            self._identified.discard((project, person_id))
        self._changed_props.add((project, person_id))

    def apply(self, change: PersonChange) -> None:
        """Apply one merge, identification or property update."""
        if isinstance(change, PersonMerge):
            self._merge(change)
        elif isinstance(change, PersonIdentify):
            self._identify(change)
        else:
            self._update(change)

    def _merge(self, change: PersonMerge) -> None:
        project = change.project_id
        target = self.person_of(project, change.keep_id)
        source = self.person_of(project, change.merge_id)
        if target == source or (change.guarded and self.is_identified(project, source)):
            return
        moved = {source, change.merge_id} | self._ids_of(project, source)
        for distinct_id in moved:
            self._ids[(project, distinct_id)] = target
            self._changed_ids.add((project, distinct_id))
        source_props = self.properties(project, source)
        if source_props or self.is_identified(project, source):
            # The kept person's own values win; the merged one only fills gaps.
            if self.is_identified(project, source):
                self._identified.add((project, target))
            merged = source_props | self.properties(project, target)
            self._save_properties(project, target, merged)
            self._save_properties(project, source, None)

    def _identify(self, change: PersonIdentify) -> None:
        person_id = self.person_of(change.project_id, change.distinct_id)
        if not self.is_identified(change.project_id, person_id):
            self._identified.add((change.project_id, person_id))
            self._save_properties(
                change.project_id, person_id, self.properties(change.project_id, person_id)
            )

    def _update(self, change: PersonUpdate) -> None:
        person_id = self.person_of(change.project_id, change.distinct_id)
        current = self.properties(change.project_id, person_id)
        merged = change.set_once | current | change.set
        if merged != current:
            self._save_properties(change.project_id, person_id, merged)

    def save(self, version: int) -> None:
        """Insert every changed row with ``version`` (newer than any stored one)."""
        if self._changed_ids:
            lines = [
                {
                    "project_id": p,
                    "distinct_id": d,
                    "person_id": self._ids[(p, d)],
                    "version": version,
                }
                for p, d in sorted(self._changed_ids)
            ]
            self._con.insert_json(
                "person_distinct_id_versions", tuple(lines[0]), _json_lines(lines)
            )
        if self._changed_props:
            rows = [
                {
                    "project_id": p,
                    "person_id": person,
                    "properties": orjson.dumps(self._props[(p, person)] or {}).decode(),
                    "is_identified": int((p, person) in self._identified),
                    "is_deleted": int(self._props[(p, person)] is None),
                    "version": version,
                }
                for p, person in sorted(self._changed_props)
            ]
            self._con.insert_json("person_versions", tuple(rows[0]), _json_lines(rows))
        self._changed_ids.clear()
        self._changed_props.clear()


def _json_lines(rows: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(row) for row in rows)


def erase_person_rows(
    con: ClickHouseConnection, project_id: int, person_id: str, ids: list[str]
) -> None:
    """Delete a person's events, distinct-id versions and property versions; waits for it."""
    listed = ", ".join(_literal(value) for value in ids)
    project = int(project_id)
    for table, where in (
        ("events", f"distinct_id IN ({listed}) OR person_id IN ({listed})"),
        (
            "person_distinct_id_versions",
            f"distinct_id IN ({listed}) OR person_id = {_literal(person_id)}",
        ),
        ("person_versions", f"person_id = {_literal(person_id)}"),
    ):
        con.command(
            f"ALTER TABLE {table} DELETE WHERE project_id = {project} AND ({where}) "
            "SETTINGS mutations_sync = 2"
        )


def _literal(value: str) -> str:
    """A ClickHouse string literal (backslash and quote escaped)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
