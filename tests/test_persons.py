"""Person identity (issue 2): who is identified, which identify merges, whose events are whose.

The rule is PostHog's: an ``$identify`` merges an anonymous id's person into the identified one,
never one identified person into another; ``$create_alias`` / ``$merge_dangerously`` and Segment
``alias`` merge explicitly. Run on both stores, then through the real SDKs against a server.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import duckdb
import posthog
import pytest
import segment.analytics as analytics

from launchloop.ingest.batch import WriteBatch
from launchloop.ingest.pipeline import prepare
from launchloop.store.base import EventStore, open_store
from launchloop.store.clickhouse import EVENTS_SCHEMA
from launchloop.store.clickhouse_connection import connect
from launchloop.store.duckdb import SCHEMA
from tests.conftest import EVENT_STORES, event_store_url
from tests.test_ingest_sdks import events_of, person_of, unique
from tests.test_store_contract import event

PROJECT = 1


def identify(user: str, anon: str, second: int, **properties: Any) -> dict[str, Any]:
    """A PostHog ``$identify`` of ``user`` naming ``anon`` as its anonymous id."""
    return event("$identify", user, second, **{"$anon_distinct_id": anon, **properties})


def batch(*events: dict[str, Any]) -> WriteBatch:
    """The WriteBatch that ingestion would hand the store for ``events``."""
    prepared = prepare(list(events), project_id=PROJECT, max_event_bytes=100_000)
    assert not prepared.rejections
    return prepared.batch


def person(store: EventStore, distinct_id: str) -> dict[str, Any]:
    """The person behind a distinct id (which must have been seen)."""
    found = store.person(PROJECT, distinct_id)
    assert found is not None
    return found


def test_identify_merges_an_anonymous_person_and_identifies_it(event_store: EventStore) -> None:
    event_store.write(batch(event("$pageview", "anon", 1, **{"$set": {"source": "ads"}})))
    assert person(event_store, "anon")["is_identified"] is False
    event_store.write(batch(identify("ada", "anon", 2, **{"$set": {"plan": "pro"}})))
    merged = person(event_store, "anon")
    assert merged == {
        "person_id": "ada",
        "distinct_ids": ["ada", "anon"],
        "properties": {"source": "ads", "plan": "pro"},
        "is_identified": True,
    }
    # A second anonymous id of the same user (another device) still joins: it is anonymous.
    event_store.write(batch(event("$pageview", "phone", 3), identify("ada", "phone", 4)))
    assert person(event_store, "phone")["distinct_ids"] == ["ada", "anon", "phone"]


def test_identify_never_merges_two_identified_persons(event_store: EventStore) -> None:
    # A shared device: Ada logs in, then Bob on the same browser without a reset.
    event_store.write(batch(event("$pageview", "device", 1), identify("ada", "device", 2)))
    bob_login = identify("bob", "device", 3, **{"$set": {"name": "Bob"}})
    event_store.write(batch(bob_login, event("clicked", "bob", 4)))
    assert person(event_store, "device")["distinct_ids"] == ["ada", "device"]
    bob = person(event_store, "bob")
    assert bob == {
        "person_id": "bob",
        "distinct_ids": ["bob"],
        "properties": {"name": "Bob"},
        "is_identified": True,
    }
    # The refused identify is stored all the same, as Bob's.
    stored = {e["uuid"]: e for e in event_store.recent_events(PROJECT, distinct_id="bob")}
    assert stored[bob_login["uuid"]]["person_id"] == "bob"
    assert len(stored) == 2
    # A user id sent as another user's anonymous id is refused too.
    event_store.write(batch(identify("ada", "bob", 5)))
    assert person(event_store, "bob")["distinct_ids"] == ["bob"]
    assert person(event_store, "ada")["distinct_ids"] == ["ada", "device"]


def test_refusal_holds_within_one_group_commit(event_store: EventStore) -> None:
    event_store.write(
        batch(
            event("$pageview", "device", 1),
            identify("ada", "device", 2, **{"$set": {"name": "Ada"}}),
            identify("bob", "device", 3),
            event("$pageview", "device", 4),
        )
    )
    assert person(event_store, "device")["person_id"] == "ada"
    assert person(event_store, "bob")["distinct_ids"] == ["bob"]
    assert person(event_store, "bob")["properties"] == {}


def test_alias_and_merge_dangerously_merge_identified_persons(event_store: EventStore) -> None:
    event_store.write(
        batch(
            identify("old", "a1", 1, **{"$set": {"plan": "free", "name": "Cy"}}),
            identify("new", "a2", 2, **{"$set": {"plan": "pro"}}),
            identify("third", "a3", 3),
        )
    )
    event_store.write(batch(event("$create_alias", "new", 4, alias="old")))
    merged = person(event_store, "old")
    assert merged["person_id"] == "new"
    assert merged["distinct_ids"] == ["a1", "a2", "new", "old"]
    assert merged["properties"] == {"plan": "pro", "name": "Cy"}
    assert merged["is_identified"] is True
    event_store.write(batch(event("$merge_dangerously", "third", 5, alias="new")))
    assert person(event_store, "a1")["person_id"] == "third"
    # The merged-away persons are gone from the persons table; one identified person is left.
    rows = event_store.query(
        "SELECT person_id, is_identified FROM persons WHERE project_id = ?", [PROJECT]
    )
    assert [(p, bool(i)) for p, i in rows] == [("third", True)]


def test_an_alias_makes_an_anonymous_person_identified(event_store: EventStore) -> None:
    event_store.write(batch(event("$create_alias", "anon", 1, alias="ada")))
    assert person(event_store, "ada")["is_identified"] is True
    # Now identified, its ids are no longer an anonymous id that another identify may take.
    event_store.write(batch(identify("bob", "anon", 2)))
    assert person(event_store, "anon")["distinct_ids"] == ["ada", "anon"]


def test_recent_events_show_the_current_person(event_store: EventStore) -> None:
    before = [event("$pageview", "anon", 1), event("signup_started", "anon", 2)]
    other = event("$pageview", "stranger", 3)
    event_store.write(batch(*before, other))
    assert {e["person_id"] for e in event_store.recent_events(PROJECT)} == {"anon", "stranger"}
    event_store.write(batch(identify("ada", "anon", 4)))
    shown = {e["uuid"]: e["person_id"] for e in event_store.recent_events(PROJECT)}
    assert [shown[e["uuid"]] for e in before] == ["ada", "ada"]
    assert shown[other["uuid"]] == "stranger"
    filtered = event_store.recent_events(PROJECT, distinct_id="anon", event="$pageview")
    assert [(e["uuid"], e["person_id"]) for e in filtered] == [(before[0]["uuid"], "ada")]
    # The stored column keeps the person of ingestion time; only the read resolves.
    stored = event_store.query(
        "SELECT person_id FROM events WHERE project_id = ? AND uuid = ?",
        [PROJECT, before[0]["uuid"]],
    )
    assert stored == [("anon",)]
    assert len(event_store.recent_events(PROJECT, limit=2)) == 2


def _old_duckdb(path: Path) -> None:
    """A DuckDB file as launchloop made it before ``is_identified``, with one person."""
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute("INSERT INTO persons VALUES (1, 'old-user', '{\"plan\": \"pro\"}')")
    con.close()


def _old_chdb(path: Path) -> None:
    """A chdb folder as launchloop made it before ``is_identified``, with one person."""
    con = connect(f"chdb:///{path}")
    con.command(EVENTS_SCHEMA)
    con.command(
        "CREATE TABLE person_distinct_id_versions (project_id Int32, distinct_id String, "
        "person_id String, version UInt64) ENGINE = ReplacingMergeTree(version) "
        "ORDER BY (project_id, distinct_id)"
    )
    con.command(
        "CREATE TABLE person_versions (project_id Int32, person_id String, properties String, "
        "is_deleted UInt8, version UInt64) ENGINE = ReplacingMergeTree(version) "
        "ORDER BY (project_id, person_id)"
    )
    con.command(
        "CREATE VIEW person_distinct_ids AS "
        "SELECT project_id, distinct_id, person_id FROM person_distinct_id_versions FINAL"
    )
    con.command(
        "CREATE VIEW persons AS SELECT project_id, person_id, properties "
        "FROM person_versions FINAL WHERE is_deleted = 0"
    )
    con.command("INSERT INTO person_versions VALUES (1, 'old-user', '{\"plan\": \"pro\"}', 0, 1)")
    con.close()


@pytest.mark.parametrize("kind", EVENT_STORES)
def test_stores_made_before_is_identified_keep_working(tmp_path: Path, kind: str) -> None:
    url = event_store_url(kind, tmp_path)
    (_old_duckdb if kind == "duckdb" else _old_chdb)(Path(url.split(":///", 1)[1]))
    store = open_store(url)
    try:
        assert person(store, "old-user") == {
            "person_id": "old-user",
            "distinct_ids": ["old-user"],
            "properties": {"plan": "pro"},
            "is_identified": False,
        }
        store.write(batch(identify("old-user", "anon", 1), identify("other", "anon", 2)))
        assert person(store, "anon")["person_id"] == "old-user"
        assert person(store, "old-user")["is_identified"] is True
        assert person(store, "old-user")["properties"] == {"plan": "pro"}
    finally:
        store.close()
    # Opening it again finds the column there (the upgrade runs once, then is a no-op).
    store = open_store(url)
    try:
        assert person(store, "other")["is_identified"] is True
    finally:
        store.close()


@pytest.fixture
def posthog_client(server: Any) -> Any:
    """The real posthog SDK, synchronous, no retries."""
    client = posthog.Posthog(
        server.project.public_key, host=server.url, sync_mode=True, max_retries=0
    )
    yield client
    client.shutdown()


@pytest.fixture
def segment_client(server: Any) -> Any:
    """The real segment-analytics-python client, synchronous (it raises on a non-2xx)."""
    return analytics.Client(
        server.project.public_key, host=server.url, sync_mode=True, max_retries=0
    )


def test_posthog_shared_device_second_login_stays_apart(server: Any, posthog_client: Any) -> None:
    device, ada, bob = unique("device"), unique("ada"), unique("bob")
    viewed = posthog_client.capture("viewed_pricing", distinct_id=device)
    posthog_client.capture(
        "$identify", distinct_id=ada, properties={"$anon_distinct_id": device, "$set": {"n": "A"}}
    )
    # posthog-js sends this when Bob logs in on Ada's browser without posthog.reset().
    bob_login = posthog_client.capture(
        "$identify", distinct_id=bob, properties={"$anon_distinct_id": device, "$set": {"n": "B"}}
    )
    assert person_of(server, device) == {
        "person_id": ada,
        "distinct_ids": sorted([ada, device]),
        "properties": {"n": "A"},
        "is_identified": True,
    }
    assert person_of(server, bob) == {
        "person_id": bob,
        "distinct_ids": [bob],
        "properties": {"n": "B"},
        "is_identified": True,
    }
    # The API shows each event's person as of now: the view before the login is Ada's.
    assert events_of(server, device)[viewed]["person_id"] == ada
    assert events_of(server, bob)[bob_login]["person_id"] == bob
    # An explicit alias still merges them, when the team says they are one user.
    posthog_client.alias(previous_id=bob, distinct_id=ada)
    assert person_of(server, bob)["distinct_ids"] == sorted([ada, bob, device])


def test_segment_anonymous_identify_does_not_identify(server: Any, segment_client: Any) -> None:
    anon, ada, bob = unique("anon"), unique("ada"), unique("bob")
    page = str(uuid.uuid4())
    segment_client.page(anonymous_id=anon, name="Pricing", message_id=page)
    segment_client.identify(anonymous_id=anon, traits={"newsletter": True})
    assert person_of(server, anon)["is_identified"] is False
    segment_client.identify(user_id=ada, anonymous_id=anon, traits={"plan": "pro"})
    merged = person_of(server, anon)
    assert (merged["person_id"], merged["is_identified"]) == (ada, True)
    assert merged["properties"] == {"newsletter": True, "plan": "pro"}
    assert events_of(server, anon)[page]["person_id"] == ada
    segment_client.identify(user_id=bob, anonymous_id=anon)
    assert person_of(server, anon)["person_id"] == ada
    assert person_of(server, bob)["distinct_ids"] == [bob]
