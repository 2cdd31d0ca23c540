"""The DuckDB write path made faster for issue 2 keeps its behaviour.

Grouped person changes must leave the same person tables as applying each change on its own
(the per-change functions are the reference); the append still deduplicates on uuid + timestamp.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from launchloop.ingest.batch import PersonChange, PersonMerge, PersonUpdate, WriteBatch
from launchloop.ingest.pipeline import prepare
from launchloop.store.duckdb import DuckDBStore, _person_of
from launchloop.store.duckdb_persons import apply_person_changes

IDS = [f"id-{n}" for n in range(10)]
KEYS = ["plan", "name", "seen"]


def _random_change(rng: random.Random) -> PersonChange:
    project = rng.choice((1, 2))
    if rng.random() < 0.5:
        keep, merge = rng.sample(IDS, 2)
        return PersonMerge(project, keep, merge)
    pick = lambda: {k: rng.randrange(3) for k in rng.sample(KEYS, rng.randrange(3))}  # noqa: E731
    return PersonUpdate(project, rng.choice(IDS), pick(), pick())


def _tables(store: DuckDBStore) -> tuple[list[Any], list[Any]]:
    ids = store.query("SELECT * FROM person_distinct_ids ORDER BY ALL")
    persons = store.query("SELECT project_id, person_id, properties::VARCHAR FROM persons")
    return ids, sorted((p, i, __import__("orjson").loads(v)) for p, i, v in persons)


def _one_by_one(store: DuckDBStore, changes: list[PersonChange]) -> None:
    con = store._con
    con.execute("BEGIN")
    for change in changes:
        (_merge if isinstance(change, PersonMerge) else _update)(con, change)  # type: ignore[operator]
    con.execute("COMMIT")


def _grouped(store: DuckDBStore, changes: list[PersonChange]) -> None:
    con = store._con
    con.execute("BEGIN")
    apply_person_changes(con, changes)
    con.execute("COMMIT")


@pytest.mark.parametrize("seed", range(12))
def test_grouped_person_changes_match_one_by_one(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    reference = DuckDBStore(str(tmp_path / "reference.duckdb"))
    grouped = DuckDBStore(str(tmp_path / "grouped.duckdb"))
    for _ in range(8):
        changes = [_random_change(rng) for _ in range(rng.randrange(1, 15))]
        _one_by_one(reference, changes)
        _grouped(grouped, changes)
        assert _tables(grouped) == _tables(reference)
    # The random walk really merged and set things (the comparison is not between empty tables).
    ids, persons = _tables(reference)
    assert ids and persons


def _events(*specs: tuple[str, str]) -> WriteBatch:
    raw = [{"event": "e", "distinct_id": "d", "uuid": u, "timestamp": t} for u, t in specs]
    return prepare(raw, project_id=1, max_event_bytes=10**6).batch


def test_append_dedupes_on_uuid_and_timestamp(tmp_path: Path) -> None:
    store = DuckDBStore(str(tmp_path / "events.duckdb"))
    day1, day2 = "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"
    first = _events(("a", day1), ("b", day2), ("a", day1))
    assert store.write(first) == 2  # a repeated event inside one batch is stored once
    assert store.write(first) == 0  # a retried batch is stored once
    # Same uuid, other time: another event; a batch spanning years still finds "b" again.
    assert store.write(_events(("a", day2), ("c", "2020-05-05T00:00:00Z"), ("b", day2))) == 2
    assert store.count_events(1) == 4


def test_repeated_identify_then_events_commit_in_one_group(tmp_path: Path) -> None:
    # A repeated identify whose merge is a no-op used to leave a DuckDB result open and fail the
    # whole group's append (every request of the group answered 500).
    store = DuckDBStore(str(tmp_path / "events.duckdb"))
    identify = {
        "event": "$identify",
        "distinct_id": "user-1",
        "properties": {"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}},
    }
    for _ in range(3):
        batch = prepare(
            [identify, {"event": "viewed", "distinct_id": "anon-1"}],
            project_id=1,
            max_event_bytes=10**6,
        ).batch
        assert store.write(batch) == 2
    person = store.person(1, "anon-1")
    assert person is not None
    assert person["person_id"] == "user-1"
    assert person["properties"] == {"plan": "pro"}
    rows = store.query("SELECT DISTINCT person_id FROM events WHERE event = 'viewed'")
    assert rows == [("user-1",)]


def test_repeated_urls_keep_their_own_path_and_utm(tmp_path: Path) -> None:
    # URL parsing is cached: the same URL twice and a second URL must not share values.
    urls = [
        "https://x.io/a?utm_source=news&utm_campaign=spring",
        "https://x.io/b?utm_source=ads",
        "https://x.io/a?utm_source=news&utm_campaign=spring",
    ]
    raw = [{"event": "p", "distinct_id": "d", "properties": {"$current_url": u}} for u in urls]
    rows = prepare(raw, project_id=1, max_event_bytes=10**6).batch.rows
    # ROW_COLUMNS: ..., url (8), path (9), referrer (10), utm_source (11), medium, campaign (13)
    assert [(r[9], r[11], r[13]) for r in rows] == [
        ("/a", "news", "spring"),
        ("/b", "ads", None),
        ("/a", "news", "spring"),
    ]


# The one-change-at-a-time person code that the grouped code replaced; kept as the reference.
def _properties(con: duckdb.DuckDBPyConnection, project_id: int, person_id: str) -> dict[str, Any]:
    row = con.execute(
        "SELECT properties FROM persons WHERE project_id = ? AND person_id = ?",
        [project_id, person_id],
    ).fetchone()
    return orjson.loads(row[0]) if row else {}


def _save_properties(
    con: duckdb.DuckDBPyConnection, project_id: int, person_id: str, props: dict[str, Any]
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO persons (project_id, person_id, properties) VALUES (?, ?, ?)",
        [project_id, person_id, orjson.dumps(props).decode()],
    )


def _merge(con: duckdb.DuckDBPyConnection, change: PersonMerge) -> None:
    """Point every distinct id of ``merge_id``'s person at ``keep_id``'s person."""
    project = change.project_id
    target = _person_of(con, project, change.keep_id)
    source = _person_of(con, project, change.merge_id)
    if target == source:
        return
    moved = {source, change.merge_id}
    moved.update(
        row[0]
        for row in con.execute(
            "SELECT distinct_id FROM person_distinct_ids WHERE project_id = ? AND person_id = ?",
            [project, source],
        ).fetchall()
    )
    con.executemany(
        "INSERT OR REPLACE INTO person_distinct_ids VALUES (?, ?, ?)",
        [[project, distinct_id, target] for distinct_id in sorted(moved)],
    )
    source_props = _properties(con, project, source)
    if source_props:
        # The kept person's own values win; the merged one only fills gaps.
        _save_properties(con, project, target, source_props | _properties(con, project, target))
        con.execute("DELETE FROM persons WHERE project_id = ? AND person_id = ?", [project, source])


def _update(con: duckdb.DuckDBPyConnection, change: PersonUpdate) -> None:
    person_id = _person_of(con, change.project_id, change.distinct_id)
    current = _properties(con, change.project_id, person_id)
    merged = change.set_once | current | change.set
    if merged != current:
        _save_properties(con, change.project_id, person_id, merged)
