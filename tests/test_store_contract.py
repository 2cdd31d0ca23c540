"""The EventStore contract, run on every engine (DuckDB, ClickHouse via chdb)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from launchloop.ingest.batch import WriteBatch
from launchloop.ingest.pipeline import prepare
from launchloop.store.base import EventStore, open_store
from launchloop.store.clickhouse_params import bind_positional
from tests.conftest import event_store_url

RECEIVED = 1_795_000_000_000_000  # 2026-11-19, fixed so that rows compare across stores
PROJECT = 1


def event(name: str, distinct_id: str, second: int, **properties: Any) -> dict[str, Any]:
    """A canonical event at 2026-11-20 10:00:<second> UTC with a fresh uuid."""
    return {
        "event": name,
        "distinct_id": distinct_id,
        "uuid": str(uuid.uuid4()),
        "timestamp": f"2026-11-20T10:00:{second:02d}.{second * 1001:06d}Z",
        "properties": properties,
    }


def batch(*events: dict[str, Any], project: int = PROJECT) -> WriteBatch:
    """The WriteBatch that ingestion would hand the store for ``events``."""
    prepared = prepare(
        list(events), project_id=project, max_event_bytes=100_000, received_at=RECEIVED
    )
    assert not prepared.rejections
    return prepared.batch


def person_ids(store: EventStore) -> dict[str, str]:
    """uuid -> stored person_id of every event of the project."""
    return {e["uuid"]: e["person_id"] for e in store.recent_events(PROJECT, limit=1000)}


def test_write_and_read_back(event_store: EventStore) -> None:
    first = event("$pageview", "anon-1", 1, **{"$current_url": "https://x.io/a?utm_source=news"})
    second = event("signed_up", "anon-1", 2, plan="pro", n=3)
    assert event_store.write(batch(first, second)) == 2
    events = event_store.recent_events(PROJECT)
    assert [e["uuid"] for e in events] == [second["uuid"], first["uuid"]]
    assert events[0]["properties"] == {"plan": "pro", "n": 3}
    assert events[0]["timestamp"] == datetime(2026, 11, 20, 10, 0, 2, 2002)
    assert events[1]["path"] == "/a"
    assert events[1]["utm_source"] == "news"
    assert event_store.count_events(PROJECT) == 2
    assert event_store.count_events(PROJECT + 1) == 0


def test_retries_are_stored_once(event_store: EventStore) -> None:
    one, two = event("a", "u", 1), event("b", "u", 2)
    assert event_store.write(batch(one, two, one)) == 2
    assert event_store.write(batch(one, two)) == 0
    assert event_store.write(batch(two, event("c", "u", 3))) == 1
    assert event_store.count_events(PROJECT) == 3
    # Same uuid, another project: a different event.
    assert event_store.write(batch(one, project=PROJECT + 1)) == 1


def test_same_uuid_other_timestamp_is_another_event(event_store: EventStore) -> None:
    one = event("a", "u", 1)
    later = {**one, "timestamp": "2026-11-20T11:00:00Z"}
    assert event_store.write(batch(one)) == 1
    assert event_store.write(batch(later)) == 1


def test_identify_mid_stream(event_store: EventStore) -> None:
    before = event("$pageview", "anon-1", 1)
    identify = event("$identify", "user-1", 2, **{"$anon_distinct_id": "anon-1"})
    after = event("$pageview", "anon-1", 3)
    event_store.write(batch(before))
    event_store.write(batch(identify, after))
    # Stored person ids are as known at write time; reads resolve the merge, as analytics do.
    stored = event_store.query("SELECT uuid, person_id FROM events WHERE project_id = ?", [PROJECT])
    assert dict(stored)[before["uuid"]] == "anon-1"
    ids = person_ids(event_store)
    assert ids == {before["uuid"]: "user-1", identify["uuid"]: "user-1", after["uuid"]: "user-1"}
    person = event_store.person(PROJECT, "anon-1")
    assert person == {
        "person_id": "user-1",
        "distinct_ids": ["anon-1", "user-1"],
        "properties": {},
        "is_identified": True,
    }
    assert event_store.person(PROJECT, "user-1") == person


def test_alias_chain(event_store: EventStore) -> None:
    event_store.write(batch(event("$pageview", "a", 1), event("$pageview", "b", 2)))
    event_store.write(batch(event("$create_alias", "b", 3, alias="a")))
    event_store.write(batch(event("$create_alias", "c", 4, alias="b"), event("x", "a", 5)))
    person = event_store.person(PROJECT, "a")
    assert person is not None
    assert person["person_id"] == "c"
    assert person["distinct_ids"] == ["a", "b", "c"]
    assert event_store.person(PROJECT, "b") == person
    latest = event_store.recent_events(PROJECT, limit=1)[0]
    assert (latest["event"], latest["person_id"]) == ("x", "c")
    # Readers see one row per distinct id, its newest person: "a" was moved twice.
    mapping = event_store.query(
        "SELECT distinct_id, person_id FROM person_distinct_ids WHERE project_id = ? "
        "ORDER BY distinct_id",
        [PROJECT],
    )
    assert mapping == [("a", "c"), ("b", "c")]
    joined = event_store.query(
        "SELECT count(*) FROM events AS e LEFT JOIN person_distinct_ids AS pdi "
        "ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id "
        "WHERE e.project_id = ?",
        [PROJECT],
    )
    assert joined[0][0] == event_store.count_events(PROJECT) == 5


def test_merge_of_two_persons_with_properties(event_store: EventStore) -> None:
    event_store.write(
        batch(
            event("s", "anon", 1, **{"$set": {"plan": "free", "source": "ads"}}),
            event("s", "known", 2, **{"$set": {"plan": "pro"}}),
        )
    )
    event_store.write(batch(event("$identify", "known", 3, **{"$anon_distinct_id": "anon"})))
    person = event_store.person(PROJECT, "anon")
    # The kept person's values win; the merged one's fill the gaps.
    assert person == {
        "person_id": "known",
        "distinct_ids": ["anon", "known"],
        "properties": {"plan": "pro", "source": "ads"},
        "is_identified": True,
    }
    persons = event_store.query(
        "SELECT person_id FROM persons WHERE project_id = ? ORDER BY person_id", [PROJECT]
    )
    assert persons == [("known",)]
    # Merging again (a retry) changes nothing.
    event_store.write(batch(event("$identify", "known", 3, **{"$anon_distinct_id": "anon"})))
    assert event_store.person(PROJECT, "known") == person


def test_set_and_set_once(event_store: EventStore) -> None:
    event_store.write(batch(event("e", "u", 1, **{"$set_once": {"first": "a"}, "$set": {"n": 1}})))
    event_store.write(batch(event("e", "u", 2, **{"$set_once": {"first": "b"}, "$set": {"n": 2}})))
    person = event_store.person(PROJECT, "u")
    assert person is not None
    assert person["properties"] == {"first": "a", "n": 2}


def test_person_unknown_and_other_project(event_store: EventStore) -> None:
    event_store.write(batch(event("e", "u", 1)))
    assert event_store.person(PROJECT, "nobody") is None
    assert event_store.person(PROJECT + 1, "u") is None
    assert event_store.person(PROJECT, "u") == {
        "person_id": "u",
        "distinct_ids": ["u"],
        "properties": {},
        "is_identified": False,
    }


def test_recent_events_filters(event_store: EventStore) -> None:
    events = [event("a", "u1", 1), event("b", "u1", 2), event("a", "u2", 3), event("a", "u1", 4)]
    event_store.write(batch(*events))
    event_store.write(batch(event("a", "u1", 5), project=PROJECT + 1))
    by_event = event_store.recent_events(PROJECT, event="a")
    assert [e["uuid"] for e in by_event] == [
        events[3]["uuid"],
        events[2]["uuid"],
        events[0]["uuid"],
    ]
    both = event_store.recent_events(PROJECT, event="a", distinct_id="u1")
    assert [e["uuid"] for e in both] == [events[3]["uuid"], events[0]["uuid"]]
    assert len(event_store.recent_events(PROJECT, limit=2)) == 2


def test_query_binds_parameters(event_store: EventStore) -> None:
    tricky = 'it\'s a "quote" ? -- not a comment\n\\ and a\ttab'
    event_store.write(batch(event("e", tricky, 1), event("e", "plain", 2)))
    rows = event_store.query(
        "SELECT distinct_id FROM events WHERE project_id = ? AND distinct_id = ? AND event <> '?'",
        [PROJECT, tricky],
    )
    assert rows == [(tricky,)]


def test_same_rows_in_both_stores(tmp_path: Path) -> None:
    events = [
        event(
            "$pageview",
            "anon-9",
            1,
            **{
                "$current_url": "https://x.io/p?utm_medium=cpc",
                "$browser": "Firefox",
                "$os": "Linux",
                "$device_type": "Desktop",
            },
        ),
        event(
            "$autocapture",
            "anon-9",
            2,
            **{"$elements_chain": 'button.buy:text="Buy"', "$session_id": "s1"},
        ),
        event("$identify", "user-9", 3, **{"$anon_distinct_id": "anon-9", "$set": {"plan": "pro"}}),
        event("purchase", "user-9", 4, amount=12.5, items=[1, 2], nested={"a": None}),
    ]
    stored = {}
    for kind in ("duckdb", "chdb"):
        store = open_store(event_store_url(kind, tmp_path))
        try:
            store.write(batch(*events))
            store.write(batch(*events))
            stored[kind] = (
                sorted(store.recent_events(PROJECT), key=lambda e: e["uuid"]),
                store.person(PROJECT, "anon-9"),
            )
        finally:
            store.close()
    assert len(stored["duckdb"][0]) == 4
    assert stored["chdb"] == stored["duckdb"]


def test_positional_binding_types() -> None:
    sql, named = bind_positional("SELECT ? , '?' , ? -- ?\n, ?", [1, "x", [1.5]])
    assert sql == "SELECT {p0:Int64} , '?' , {p1:String} -- ?\n, {p2:Array(Float64)}"
    assert named == {"p0": 1, "p1": "x", "p2": [1.5]}
    with pytest.raises(ValueError):
        bind_positional("SELECT ?", [])
    with pytest.raises(ValueError):
        bind_positional("SELECT ?", [1, 2])
