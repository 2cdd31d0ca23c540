"""Hostile ingestion bodies: a core error (4xx) or a valid result, never another exception."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from launchloop.errors import InvalidInput, TooLarge
from launchloop.ingest.decode import decode_body
from launchloop.ingest.formats.native import read_native
from launchloop.ingest.formats.posthog import read_posthog
from launchloop.ingest.formats.segment import read_segment
from launchloop.ingest.pipeline import Prepared, prepare

LIMIT = 1_000_000
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def parse_everyway(body: bytes, limit: int = LIMIT) -> list[Prepared]:
    """Decode ``body`` and read it with every format; core errors pass, others are crashes."""
    results = []
    try:
        payload = decode_body(body, limit=limit)
    except (InvalidInput, TooLarge):
        return results
    for reader in (
        read_native,
        read_posthog,
        read_segment,
        lambda p: read_segment(p, path_type="track"),
    ):
        try:
            envelope = reader(payload)
        except InvalidInput:
            continue
        results.append(prepare(envelope.events, project_id=1, max_event_bytes=100_000))
    return results


def deep(depth: int) -> bytes:
    """An event whose properties nest ``depth`` levels deep."""
    inner = b"[" * depth + b"]" * depth
    return b'{"events":[{"event":"e","distinct_id":"d","properties":{"x":' + inner + b"}}]}"


def gzip_members(member_bytes: int, members: int) -> bytes:
    """Concatenated gzip members of zeros: small on the wire, ``member_bytes*members`` inflated."""
    return gzip.compress(b"\0" * member_bytes, compresslevel=9) * members


def event_body(**fields: Any) -> bytes:
    """A native body of one event with ``fields`` over a good event (json: lone surrogates pass)."""
    one = {"event": "e", "distinct_id": "d", "properties": {}} | fields
    return json.dumps({"events": [one]}).encode()


HOSTILE: dict[str, bytes] = {
    "deep_json": deep(10_000),
    "deep_object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "huge_float": event_body(properties={"n": 1}).replace(b"1}", b"1e400}"),
    "huge_int": event_body(properties={"n": 2**70}),
    "huge_int_id": event_body(distinct_id=2**70),
    "huge_timestamp": event_body(timestamp=10**30),
    "invalid_utf8": b'{"events":[{"event":"\xff\xfe","distinct_id":"d"}]}',
    "lone_surrogate_name": event_body(event="\ud800"),
    "lone_surrogate_key": event_body(properties={"\udfff": 1}),
    "lone_surrogate_id": event_body(distinct_id="a\ud83d"),
    "many_properties": event_body(properties={f"p{i}": i for i in range(10_000)}),
    "gzip_bomb": gzip_members(64_000_000, 1),
    "gzip_member_bomb": gzip_members(4_000_000, 64),
    "gzip_truncated": gzip.compress(b'{"events":[]}')[:-6],
    "base64_garbage": base64.b64encode(b"\xff" * 50),
    "form_garbage": b"data=%ff%fe",
    "nul_bytes": b"\0" * 1000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_body_gives_core_error_or_result(name: str) -> None:
    parse_everyway(HOSTILE[name], limit=5_000_000)


def test_gzip_bomb_stops_at_the_limit_without_inflating_it() -> None:
    bomb = gzip_members(64_000_000, 16)  # ~1 GB once inflated, ~1 MB on the wire
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            decode_body(bomb, limit=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * LIMIT, f"decompression allocated {peak} bytes for a {LIMIT}-byte limit"


def test_lone_surrogates_and_huge_ints_are_rejected_by_validation() -> None:
    events = [
        {"event": "\ud800", "distinct_id": "d"},
        {"event": "e", "distinct_id": "d\udc00"},
        {"event": "e", "distinct_id": "d", "uuid": "\ud800"},
        {"event": "e", "distinct_id": "d", "properties": {"n": 2**70}},
        {"event": "e", "distinct_id": "d", "properties": {"\ud800": 1}},
        {"event": "e", "distinct_id": "d", "properties": {"n": 2**63 - 1}},
    ]
    prepared = prepare(events, project_id=1, max_event_bytes=100_000)
    assert [r.field for r in prepared.rejections] == [
        "event",
        "distinct_id",
        "uuid",
        "properties",
        "properties",
    ]
    assert prepared.accepted == 1


@FUZZ
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes(body: bytes) -> None:
    parse_everyway(body)
    parse_everyway(gzip.compress(body))
    parse_everyway(base64.b64encode(body))


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None), max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = ("event", "distinct_id", "timestamp", "uuid", "properties", "type", "userId", "$set")


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES), max_size=4), JSON_VALUES)
def test_arbitrary_json_events(events: list[dict[str, Any]], outer: Any) -> None:
    for payload in ({"events": events}, {"batch": events}, events, outer):
        # json.dumps writes NaN, Infinity, lone surrogates and 80-bit ints: all hostile.
        for prepared in parse_everyway(json.dumps(payload).encode()):
            assert prepared.accepted == len(prepared.batch.rows)
    prepare(events, project_id=1, max_event_bytes=100_000)


PATHS = ("/api/v1/events", "/batch/", "/e/", "/v1/batch", "/v1/track")


def test_hostile_bodies_over_http_leave_the_server_healthy(server: Any) -> None:
    key = server.project.public_key
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for name, body in sorted(HOSTILE.items()):
            for path in PATHS:
                answer = client.post(path, content=body, headers={"Authorization": f"Bearer {key}"})
                assert 200 <= answer.status_code < 500, (
                    name,
                    path,
                    answer.status_code,
                    answer.text,
                )
        assert client.get("/healthz").status_code == 200
        user = f"after-fuzz-{uuid.uuid4().hex[:8]}"
        good = {"event": "clicked", "distinct_id": user, "uuid": str(uuid.uuid4())}
        answer = client.post("/api/v1/events", json={"api_key": key, "events": [good]})
        assert answer.status_code == 200, answer.text
    with server.api() as api:
        stored = api.get("/api/v1/events", params={"distinct_id": user}).json()
    assert [item["uuid"] for item in stored] == [good["uuid"]]
