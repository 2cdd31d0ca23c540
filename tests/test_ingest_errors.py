"""What ingestion answers to retries, bad events, bad bodies, bad keys, big bodies and overload."""

from __future__ import annotations

import base64
import gzip
import threading
import uuid
from typing import Any

import httpx
import orjson
import pytest


def unique(prefix: str) -> str:
    """A distinct id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def event(user: str, **fields: Any) -> dict[str, Any]:
    """A good native event of ``user`` with its own uuid and a fixed timestamp."""
    return {
        "event": "clicked",
        "distinct_id": user,
        "uuid": str(uuid.uuid4()),
        "timestamp": "2026-03-14T13:09:26.123456Z",
        "properties": {"button": "buy"},
    } | fields


def send(server: Any, events: list[Any], path: str = "/api/v1/events") -> httpx.Response:
    """POST a native body (a PostHog one on ``/batch/``) with the project's public key."""
    body = {"api_key": server.project.public_key, "events": events}
    if path == "/batch/":
        body = {"api_key": server.project.public_key, "batch": events}
    return httpx.post(f"{server.url}{path}", json=body, timeout=30)


def stored_uuids(server: Any, distinct_id: str) -> list[str]:
    """Every stored event uuid of a distinct id, duplicates included."""
    with server.api() as api:
        answer = api.get("/api/v1/events", params={"distinct_id": distinct_id, "limit": 10_000})
    assert answer.status_code == 200, answer.text
    return [item["uuid"] for item in answer.json()]


def test_retried_batch_is_stored_once(server: Any) -> None:
    user = unique("retry")
    batch = [event(user), event(user), event(user)]
    for _ in range(3):
        assert send(server, batch).status_code == 200
    twice = event(user)
    assert send(server, [twice, twice, event(user, uuid=twice["uuid"])]).status_code == 200
    # The PostHog path dedupes on the same key (uuid + timestamp) as the native one.
    assert send(server, batch, path="/batch/").status_code == 200
    expected = sorted([e["uuid"] for e in batch] + [twice["uuid"]])
    assert sorted(stored_uuids(server, user)) == expected


def test_malformed_batch_keeps_good_events(server: Any) -> None:
    user = unique("mixed")
    good = [event(user), event(user)]
    batch = [
        good[0],
        event(user, timestamp="yesterday at noon"),
        event(user, event=None),
        event(user, properties={"blob": "x" * 2_000_000}),
        "not an event",
        event(user, distinct_id=""),
        event(user, timestamp="2300-01-01T00:00:00Z"),
        good[1],
    ]
    answer = send(server, batch)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["accepted"] == 2
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [
        (1, "timestamp"),
        (2, "event"),
        (3, "properties"),
        (4, "event"),
        (5, "distinct_id"),
        (6, "timestamp"),
    ]
    reasons = [r["reason"] for r in result["rejected"]]
    assert "yesterday at noon" in reasons[0]
    assert "required" in reasons[1]
    assert "over the limit" in reasons[2]
    assert "JSON object" in reasons[3]
    assert sorted(stored_uuids(server, user)) == sorted(e["uuid"] for e in good)


def test_all_bad_batch_is_400(server: Any) -> None:
    user = unique("bad")
    answer = send(server, [event(user, event=""), event(user, properties=[1, 2])])
    assert answer.status_code == 400
    assert answer.json()["accepted"] == 0
    assert [(r["index"], r["field"]) for r in answer.json()["rejected"]] == [
        (0, "event"),
        (1, "properties"),
    ]
    assert stored_uuids(server, user) == []


UNDECODABLE = [
    (b'{"api_key": "k", "events": [', "not valid JSON"),
    (b"\x1f\x8b\x08\x00garbage-after-the-magic", "not valid gzip"),
    (gzip.compress(b'{"api_key": "k", "events": []}')[:-12], "truncated gzip"),
    (b"", "empty"),
    (b"%%% nothing we know %%%", "neither JSON"),
    (b"data=%FF%FE", "form body"),
]


def test_undecodable_body_is_400_naming_the_body(server: Any) -> None:
    for path in ("/api/v1/events", "/batch/", "/e/", "/v1/batch", "/v1/track"):
        for body, says in UNDECODABLE:
            answer = httpx.post(f"{server.url}{path}", content=body)
            assert answer.status_code == 400, (path, body, answer.text)
            (detail,) = answer.json()["detail"]
            assert detail["loc"] == ["body"]
            assert says in detail["msg"], (path, body, detail)


def test_wrong_or_missing_key_is_401(server: Any) -> None:
    user = unique("nokey")
    events = [event(user)]
    wrong = {"api_key": "llpk_not-a-key", "events": events}
    basic = base64.b64encode(b"llpk_not-a-key:").decode()
    answers = [
        httpx.post(f"{server.url}/api/v1/events", json=wrong),
        httpx.post(f"{server.url}/api/v1/events", json={"events": events}),
        httpx.post(
            f"{server.url}/api/v1/events",
            json={"events": events},
            headers={"Authorization": "Bearer llpk_nope"},
        ),
        httpx.post(f"{server.url}/batch/", json={"api_key": "nope", "batch": events}),
        httpx.post(f"{server.url}/e/", json=events),
        httpx.post(
            f"{server.url}/v1/batch",
            json={"batch": [{"type": "track", "event": "x", "userId": user}]},
            headers={"Authorization": f"Basic {basic}"},
        ),
        httpx.post(
            f"{server.url}/v1/track",
            json={"event": "x", "userId": user},
            headers={"Authorization": "Basic %%%"},
        ),
    ]
    assert [a.status_code for a in answers] == [401] * len(answers)
    # The secret token reads; the public key does not.
    public = {"Authorization": f"Bearer {server.project.public_key}"}
    assert httpx.get(f"{server.url}/api/v1/events", headers=public).status_code == 401
    assert httpx.get(f"{server.url}/api/v1/events").status_code == 401
    assert stored_uuids(server, user) == []


LIMITS = {"max_body_bytes": 4_000, "max_batch_events": 3}


@pytest.mark.parametrize("settings", [LIMITS], indirect=True)
def test_over_the_limits_is_413(server: Any) -> None:
    user = unique("big")
    big = [event(user, properties={"text": "y" * 5_000})]
    assert send(server, big).status_code == 413
    # A small gzip body that inflates past the limit.
    bomb = gzip.compress(orjson.dumps({"api_key": server.project.public_key, "events": big}))
    assert len(bomb) < LIMITS["max_body_bytes"]
    answer = httpx.post(f"{server.url}/api/v1/events", content=bomb)
    assert answer.status_code == 413
    assert "decompressed" in answer.json()["detail"]

    def chunks() -> Any:
        body = orjson.dumps({"api_key": server.project.public_key, "events": big})
        for start in range(0, len(body), 1_000):
            yield body[start : start + 1_000]

    # Chunked transfer: no Content-Length to check up front.
    assert httpx.post(f"{server.url}/api/v1/events", content=chunks()).status_code == 413
    assert send(server, [event(user) for _ in range(4)]).status_code == 413
    fits = [event(user) for _ in range(3)]
    assert send(server, fits).status_code == 200
    assert sorted(stored_uuids(server, user)) == sorted(e["uuid"] for e in fits)


# The writer waits 300 ms for a group to fill, so concurrent requests pile up past
# a queue of three events.
CRAMPED = {"writer_queue_events": 3, "writer_group_wait_ms": 300, "writer_group_events": 1000}


@pytest.mark.parametrize("settings", [CRAMPED], indirect=True)
def test_over_capacity_is_503_and_loses_nothing_acknowledged(server: Any) -> None:
    user = unique("busy")
    batches = [[event(user), event(user)] for _ in range(8)]
    answers: list[httpx.Response | None] = [None] * len(batches)
    start = threading.Barrier(len(batches))

    def post(index: int) -> None:
        start.wait()
        answers[index] = send(server, batches[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [a.status_code for a in answers if a is not None]
    assert sorted(set(statuses)) == [200, 503]
    busy = [a for a in answers if a is not None and a.status_code == 503]
    assert all(int(a.headers["retry-after"]) >= 1 for a in busy)
    acknowledged = [
        e["uuid"]
        for b, a in zip(batches, answers, strict=True)
        if a and a.status_code == 200
        for e in b
    ]
    assert sorted(stored_uuids(server, user)) == sorted(acknowledged)
    # Retrying the refused batches one by one (as an SDK does) stores them too, once each.
    for batch, answer in zip(batches, answers, strict=True):
        if answer is not None and answer.status_code == 503:
            assert send(server, batch).status_code == 200
    assert sorted(stored_uuids(server, user)) == sorted(e["uuid"] for b in batches for e in b)


def test_projects_do_not_see_each_other(server: Any) -> None:
    from launchloop.knowledge.database import Database
    from launchloop.knowledge.projects import create_project

    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Other product")
    database.dispose()
    user = unique("shared-id")
    mine, theirs = event(user, event="mine"), event(user, event="theirs")
    assert send(server, [mine]).status_code == 200
    answer = httpx.post(
        f"{server.url}/api/v1/events", json={"api_key": other.public_key, "events": [theirs]}
    )
    assert answer.status_code == 200
    # The same uuid in another project is another event, not a duplicate.
    clash = httpx.post(
        f"{server.url}/api/v1/events", json={"api_key": other.public_key, "events": [mine]}
    )
    assert clash.status_code == 200
    assert stored_uuids(server, user) == [mine["uuid"]]
    headers = {"Authorization": f"Bearer {other.secret_token}"}
    seen = httpx.get(f"{server.url}/api/v1/events", params={"distinct_id": user}, headers=headers)
    assert sorted(e["uuid"] for e in seen.json()) == sorted([mine["uuid"], theirs["uuid"]])
    assert {e["event"] for e in seen.json()} == {"mine", "theirs"}


def test_events_api_filters_and_orders(server: Any) -> None:
    user = unique("order")
    events = [
        event(user, event="a", timestamp="2026-03-14T13:00:00Z"),
        event(user, event="b", timestamp="2026-03-14T13:00:02Z"),
        event(user, event="a", timestamp="2026-03-14T13:00:01Z"),
    ]
    assert send(server, events).status_code == 200
    with server.api() as api:
        newest = api.get("/api/v1/events", params={"distinct_id": user, "limit": 2}).json()
        only_a = api.get("/api/v1/events", params={"distinct_id": user, "event": "a"}).json()
        assert api.get("/api/v1/events", params={"limit": 0}).status_code == 422
    assert [e["uuid"] for e in newest] == [events[1]["uuid"], events[2]["uuid"]]
    assert [e["uuid"] for e in only_a] == [events[2]["uuid"], events[0]["uuid"]]
