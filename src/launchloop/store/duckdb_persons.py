"""Person changes of one group commit, applied with a handful of statements instead of ~8 each.

Identify and alias events merge persons; ``$set``/``$set_once`` update their properties. Done one
change at a time, every change costs several DuckDB round trips (~5 ms per identify event, a third
of the server's CPU at 0.2% identify traffic, issue 2). Here the group loads the mapping rows and
properties of every person it touches in one query, applies the changes in arrival order in
memory with the same rules as before, and writes back what changed in at most three statements.

A person is *identified* once an identify or alias names it (``persons.is_identified``); an
``$identify`` never merges an identified person into another (PostHog's rule, issue 2).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson

from launchloop.ingest.batch import PersonChange, PersonIdentify, PersonMerge, PersonUpdate

#: Columns added after the first release, for data files made before them (run on open).
ADDED_COLUMNS = "ALTER TABLE persons ADD COLUMN IF NOT EXISTS is_identified BOOLEAN DEFAULT false;"


@dataclass
class _Persons:
    """The touched slice of one project's person tables, and what changed in it.

    A person has a ``persons`` row when it has properties or is identified: ``properties``
    holds the loaded rows (``{}`` for none), ``identified`` the persons flagged.
    """

    project_id: int
    person_of: dict[str, str] = field(default_factory=dict)
    members: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    identified: set[str] = field(default_factory=set)
    moved: set[str] = field(default_factory=set)
    saved: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)

    def person(self, distinct_id: str) -> str:
        """The person behind a distinct id (itself when never merged)."""
        return self.person_of.get(distinct_id, distinct_id)

    def apply(self, change: PersonChange) -> None:
        """Apply one merge, identification or property update."""
        if isinstance(change, PersonMerge):
            self.merge(change)
        elif isinstance(change, PersonIdentify):
            self.identify(change.distinct_id)
        else:
            self.update(change)

    def merge(self, change: PersonMerge) -> None:
        """Point every distinct id of ``merge_id``'s person at ``keep_id``'s person.

        A guarded merge (``$identify``) is refused when ``merge_id``'s person is identified.
        """
        target, source = self.person(change.keep_id), self.person(change.merge_id)
        if target == source or (change.guarded and source in self.identified):
            return
        moved = {source, change.merge_id} | self.members.pop(source, set())
        for distinct_id in moved:
            self.person_of[distinct_id] = target
        self.members[target] |= moved
        self.moved |= moved
        if source in self.properties or source in self.identified:
            # The kept person's own values win; the merged one only fills gaps.
            props = self.properties.pop(source, {}) | self.properties.get(target, {})
            if source in self.identified:
                self.identified.discard(source)
                self.identified.add(target)
            self._save(target, props)
            self.saved.discard(source)
            self.deleted.add(source)

    def identify(self, distinct_id: str) -> None:
        """Flag the person of ``distinct_id`` identified (a row with ``{}`` if it had none)."""
        person = self.person(distinct_id)
        if person not in self.identified:
            self.identified.add(person)
            self._save(person, self.properties.get(person, {}))

    def update(self, change: PersonUpdate) -> None:
        """``set_once`` fills what is missing, ``set`` overwrites."""
        person = self.person(change.distinct_id)
        current = self.properties.get(person, {})
        merged = change.set_once | current | change.set
        if merged != current:
            self._save(person, merged)

    def _save(self, person: str, props: dict[str, Any]) -> None:
        self.properties[person] = props
        self.saved.add(person)
        self.deleted.discard(person)


def apply_person_changes(con: duckdb.DuckDBPyConnection, changes: list[PersonChange]) -> None:
    """Apply ``changes`` in order inside the caller's transaction (merges, then property sets)."""
    by_project: dict[int, list[PersonChange]] = defaultdict(list)
    for change in changes:
        by_project[change.project_id].append(change)
    for project_id, project_changes in by_project.items():
        persons = _load(con, project_id, project_changes)
        for change in project_changes:
            persons.apply(change)
        _store(con, persons)


def _ids(changes: list[PersonChange]) -> list[str]:
    found: set[str] = set()
    for change in changes:
        if isinstance(change, PersonMerge):
            found.update((change.keep_id, change.merge_id))
        else:
            found.add(change.distinct_id)
    return sorted(found)


_LOAD = """
WITH named AS (SELECT unnest($ids) AS distinct_id),
direct AS (
    SELECT m.distinct_id, m.person_id FROM person_distinct_ids AS m
    WHERE m.project_id = $p AND m.distinct_id IN (SELECT distinct_id FROM named)
),
touched AS (SELECT person_id FROM direct UNION SELECT distinct_id FROM named)
SELECT m.distinct_id, m.person_id, NULL, NULL FROM person_distinct_ids AS m
WHERE m.project_id = $p AND m.person_id IN (SELECT person_id FROM touched)
UNION ALL SELECT distinct_id, person_id, NULL, NULL FROM direct
UNION ALL SELECT NULL, p.person_id, p.properties, p.is_identified FROM persons AS p
WHERE p.project_id = $p AND p.person_id IN (SELECT person_id FROM touched)
"""


def _load(con: duckdb.DuckDBPyConnection, project_id: int, changes: list[PersonChange]) -> _Persons:
    """Mapping rows and properties of every person the changes name, in one query.

    One statement, not three: each return from the engine has to win the GIL back from the
    request threads, which costs up to a switch interval per statement under load (issue 2).
    """
    persons = _Persons(project_id)
    rows = con.execute(_LOAD, {"p": project_id, "ids": _ids(changes)}).fetchall()
    for distinct_id, person, props, identified in rows:
        if distinct_id is not None:
            persons.person_of[distinct_id] = person
            persons.members[person].add(distinct_id)
            continue
        persons.properties[person] = orjson.loads(props)
        if identified:
            persons.identified.add(person)
    return persons


def _store(con: duckdb.DuckDBPyConnection, persons: _Persons) -> None:
    """Write back the moved distinct ids, the saved properties and the merged-away persons."""
    project = persons.project_id
    if persons.moved:
        moved = sorted(persons.moved)
        con.execute(
            "INSERT OR REPLACE INTO person_distinct_ids SELECT $p, unnest($ids), unnest($persons)",
            {"p": project, "ids": moved, "persons": [persons.person_of[d] for d in moved]},
        ).fetchall()
    if persons.deleted:
        con.execute(
            "DELETE FROM persons WHERE project_id = $p AND person_id IN (SELECT unnest($ids))",
            {"p": project, "ids": sorted(persons.deleted)},
        ).fetchall()
    if persons.saved:
        saved = sorted(persons.saved)
        con.execute(
            "INSERT OR REPLACE INTO persons (project_id, person_id, properties, is_identified) "
            "SELECT $p, unnest($ids), unnest($props), unnest($identified)",
            {
                "p": project,
                "ids": saved,
                "props": [orjson.dumps(persons.properties[p]).decode() for p in saved],
                "identified": [p in persons.identified for p in saved],
            },
        ).fetchall()


def erase_person_rows(
    con: duckdb.DuckDBPyConnection, project_id: int, person_id: str, ids: list[str]
) -> dict[str, int]:
    """Delete a person's events (any of ``ids``), distinct-id rows and properties; the counts."""
    marks = ", ".join("?" for _ in ids)
    counts: dict[str, int] = {}
    for table, where, params in (
        ("events", f"(distinct_id IN ({marks}) OR person_id IN ({marks}))", [*ids, *ids]),
        ("person_distinct_ids", f"(distinct_id IN ({marks}) OR person_id = ?)", [*ids, person_id]),
        ("persons", "person_id = ?", [person_id]),
    ):
        row = con.execute(
            f"DELETE FROM {table} WHERE project_id = ? AND {where}", [project_id, *params]
        ).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts
