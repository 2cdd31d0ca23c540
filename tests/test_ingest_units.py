"""Units of ingestion: body decoding, validation, the three formats, row extraction, User-Agents."""

from __future__ import annotations

import base64
import gzip
from typing import Any
from urllib.parse import quote

import orjson
import pytest

from launchloop.errors import InvalidInput, TooLarge
from launchloop.ingest.batch import PersonIdentify, PersonMerge, PersonUpdate
from launchloop.ingest.decode import decode_body
from launchloop.ingest.event import Event
from launchloop.ingest.formats.native import read_native
from launchloop.ingest.formats.posthog import read_posthog
from launchloop.ingest.formats.segment import read_segment
from launchloop.ingest.useragent import parse_user_agent
from launchloop.ingest.validate import Rejection, validate
from launchloop.store.base import ROW_COLUMNS

PAYLOAD = {"api_key": "k", "batch": [{"event": "e", "properties": {"note": "héllo ✓"}}]}
JSON = orjson.dumps(PAYLOAD)
B64 = base64.b64encode(JSON)


@pytest.mark.parametrize(
    "body",
    [
        JSON,
        b"  \n" + JSON + b"\n",
        b"\xef\xbb\xbf" + JSON,
        gzip.compress(JSON, mtime=0),
        gzip.compress(JSON[:20], mtime=0) + gzip.compress(JSON[20:], mtime=0),  # two gzip members
        gzip.compress(JSON, mtime=0) + b"\x00\x00",
        B64,
        B64 + b"\n",
        gzip.compress(B64, mtime=0),
        b"data=" + quote(B64.decode(), safe="").encode(),
        b"data=" + B64,  # "+" left unescaped arrives as a space
        b"compression=base64&data=" + quote(B64.decode(), safe="").encode(),
        b"data=" + quote(JSON.decode(), safe="").encode(),
    ],
)
def test_decode_body_unwraps_every_sdk_shape(body: bytes) -> None:
    assert decode_body(body, limit=10_000) == PAYLOAD


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "is empty"),
        (b"   ", "is empty"),
        (b"{", "not valid JSON"),
        (b"\x1f\x8bnot gzip at all", "not valid gzip"),
        (gzip.compress(JSON, mtime=0)[:-10], "truncated gzip"),
        (gzip.compress(JSON, mtime=0) + b"trailing", "after its gzip"),
        (b"hello world", "neither JSON"),
        (b"data=%FF", "URL-encoded UTF-8"),
        (b"other=1", "neither JSON"),
        (b"x=1&data=", "without a data field"),
    ],
)
def test_decode_body_names_what_is_wrong(body: bytes, says: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_body(body, limit=10_000)
    assert raised.value.field == "body"
    assert says in raised.value.reason


def test_decode_body_limits_before_and_after_decompression() -> None:
    big = orjson.dumps({"events": ["x" * 5_000]})
    with pytest.raises(TooLarge):
        decode_body(big, limit=1_000)
    small = gzip.compress(big, mtime=0)
    assert len(small) < 1_000
    with pytest.raises(TooLarge):
        decode_body(small, limit=1_000)
    with pytest.raises(TooLarge):  # the limit counts every member together
        decode_body(
            gzip.compress(big[:900], mtime=0) + gzip.compress(big[900:1800], mtime=0), limit=1_000
        )
    assert decode_body(small, limit=len(big)) == {"events": ["x" * 5_000]}


def check(raw: Any, now: int = 1_000, limit: int = 1_000_000) -> Event | Rejection:
    """Validate one raw event at index 3."""
    return validate(raw, index=3, now=now, max_event_bytes=limit)


def good(**fields: Any) -> dict[str, Any]:
    """A valid raw event with ``fields`` replaced."""
    return {"event": "e", "distinct_id": "d", "uuid": "u", "timestamp": None} | fields


@pytest.mark.parametrize(
    ("timestamp", "micros"),
    [
        # Hand-computed: 2026-03-14T13:09:26Z is 1,773,493,766 s after the epoch.
        ("2026-03-14T13:09:26.535897Z", 1_773_493_766_535_897),
        ("2026-03-14T15:09:26.535897+02:00", 1_773_493_766_535_897),
        ("2026-03-14T13:09:26.535897123Z", 1_773_493_766_535_897),
        ("2026-03-14T13:09:26", 1_773_493_766_000_000),
        ("2026-03-14 13:09:26.5+0000", 1_773_493_766_500_000),
        (1_773_493_766_123, 1_773_493_766_123_000),
        (1_773_493_766_123.457, 1_773_493_766_123_457),
        (0, 0),
        (None, 1_000),
        ("", 1_000),
    ],
)
def test_validate_timestamps_exactly(timestamp: Any, micros: int) -> None:
    checked = check(good(timestamp=timestamp))
    assert isinstance(checked, Event)
    assert checked.timestamp == micros


@pytest.mark.parametrize(
    ("raw", "field", "says"),
    [
        ("text", "event", "JSON object"),
        ([good()], "event", "JSON object"),
        (good(event=None), "event", "required"),
        (good(event="  "), "event", "required"),
        (good(event="x" * 201), "event", "longer than 200"),
        (good(distinct_id=None), "distinct_id", "required"),
        (good(distinct_id=True), "distinct_id", "required"),
        (good(distinct_id=" "), "distinct_id", "required"),
        (good(distinct_id="d" * 201), "distinct_id", "longer than 200"),
        (good(uuid=12), "uuid", "string"),
        (good(timestamp="tomorrow"), "timestamp", "'tomorrow'"),
        (good(timestamp=True), "timestamp", "ISO-8601"),
        (good(timestamp={"at": 1}), "timestamp", "ISO-8601"),
        (good(timestamp="1969-12-31T23:59:59Z"), "timestamp", "between 1970 and 2100"),
        (good(timestamp="2100-01-01T00:00:00Z"), "timestamp", "between 1970 and 2100"),
        (good(timestamp=-1), "timestamp", "between 1970 and 2100"),
        (good(timestamp=1e300), "timestamp", "between 1970 and 2100"),
        (good(timestamp=float("nan")), "timestamp", "ISO-8601"),
        (good(properties="x"), "properties", "JSON object"),
        (good(properties={"blob": "x" * 2_000}), "properties", "over the limit of 1000"),
    ],
)
def test_validate_rejects_with_field_and_reason(raw: Any, field: str, says: str) -> None:
    checked = check(raw, limit=1_000)
    assert isinstance(checked, Rejection)
    assert (checked.index, checked.field) == (3, field)
    assert says in checked.reason


def test_validate_fills_what_may_be_missing() -> None:
    checked = check({"event": "e", "distinct_id": 42})
    assert isinstance(checked, Event)
    assert (checked.distinct_id, checked.timestamp, checked.properties) == ("42", 1_000, {})
    assert len(checked.uuid) == 36
    other = check({"event": "e", "distinct_id": 42})
    assert isinstance(other, Event) and other.uuid != checked.uuid


def row_of(properties: dict[str, Any]) -> dict[str, Any]:
    """The row of an event with ``properties``, by column name."""
    event = Event("u", "$pageview", "d", 5, properties)
    return dict(zip(ROW_COLUMNS, event.row(7, 9), strict=True))


def test_row_extracts_columns() -> None:
    row = row_of(
        {
            "$current_url": "https://a.example/p/q?utm_source=s&utm_medium=m&utm_campaign=c&x=1",
            "$referrer": "https://ref.example/",
            "$session_id": "sess",
            "$elements_chain": "button.buy:text=Buy;div.card:nth-child=1",
        }
    )
    assert (row["uuid"], row["project_id"], row["timestamp"], row["received_at"]) == ("u", 7, 5, 9)
    assert (row["url"], row["path"], row["referrer"], row["session_id"]) == (
        "https://a.example/p/q?utm_source=s&utm_medium=m&utm_campaign=c&x=1",
        "/p/q",
        "https://ref.example/",
        "sess",
    )
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == ("s", "m", "c")
    assert row["element"] == "button.buy"
    assert orjson.loads(row["properties"])["$session_id"] == "sess"


def test_row_prefers_explicit_properties_and_survives_odd_urls() -> None:
    row = row_of({"url": "http://[broken/x?utm_source=q", "$pathname": "/given", "utm_source": "p"})
    assert (row["url"], row["path"], row["utm_source"]) == (
        "http://[broken/x?utm_source=q",
        "/given",
        "p",
    )
    broken = row_of({"$current_url": "http://[broken"})
    assert (broken["url"], broken["path"], broken["utm_source"]) == ("http://[broken", None, None)
    empty = row_of({"$current_url": "", "$selector": "#buy"})
    assert (empty["url"], empty["path"], empty["element"]) == (None, None, "#buy")


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"$user_agent": IPHONE}, ("Safari", "iOS", "Mobile")),
        # posthog-python's own $os (the server's) loses to the forwarded User-Agent.
        ({"$user_agent": IPHONE, "$os": "Linux"}, ("Safari", "iOS", "Mobile")),
        # posthog-js describes the device itself: its values win whole.
        (
            {
                "$user_agent": IPHONE,
                "$browser": "Chrome",
                "$os": "Android",
                "$device_type": "Mobile",
            },
            ("Chrome", "Android", "Mobile"),
        ),
        ({"$user_agent": IPHONE, "$browser": "Arc"}, ("Arc", "iOS", "Mobile")),
        ({"$os": "Linux"}, (None, "Linux", None)),
        ({}, (None, None, None)),
    ],
)
def test_row_browser_os_device(properties: dict[str, Any], expected: tuple[Any, ...]) -> None:
    row = row_of(properties)
    assert (row["browser"], row["os"], row["device_type"]) == expected


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (IPHONE, ("Safari", "iOS", "Mobile")),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
            ("Edge", "Windows", "Desktop"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
            ("Firefox", "Mac OS X", "Desktop"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            ("Chrome", "Android", "Mobile"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            ("Chrome", "Android", "Tablet"),
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            ("Chrome", "iOS", "Tablet"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0",
            ("Opera", "Linux", "Desktop"),
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            ("Chrome", "Chrome OS", "Desktop"),
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            ("Other", "Other", "Bot"),
        ),
        ("curl/8.5.0", ("Other", "Other", "Desktop")),
        ("", (None, None, None)),
    ],
)
def test_parse_user_agent(agent: str, expected: tuple[Any, ...]) -> None:
    assert parse_user_agent(agent) == expected


def changes_of(event: str, properties: dict[str, Any], distinct_id: str = "user") -> list[Any]:
    """The person changes an event asks for (project 7)."""
    return Event("u", event, distinct_id, 0, properties).person_changes(7)


def test_person_changes() -> None:
    identified = PersonIdentify(7, "user")
    # $identify's merge is guarded (refused for an identified person); alias merges explicitly.
    assert changes_of("$identify", {"$anon_distinct_id": "anon", "$set": {"a": 1}}) == [
        PersonMerge(7, "user", "anon", guarded=True),
        identified,
        PersonUpdate(7, "user", {"a": 1}, {}),
    ]
    assert changes_of("$create_alias", {"alias": "other"}) == [
        PersonMerge(7, "user", "other"),
        identified,
    ]
    assert changes_of("$merge_dangerously", {"alias": "x"}) == [
        PersonMerge(7, "user", "x"),
        identified,
    ]
    assert changes_of("$identify", {"$anon_distinct_id": 12}) == [
        PersonMerge(7, "user", "12", guarded=True),
        identified,
    ]
    assert changes_of("$identify", {"$anon_distinct_id": "user"}) == [identified]
    assert changes_of("$identify", {"$anon_distinct_id": ""}) == [identified]
    assert changes_of("$set", {"$set": {"a": 1}}) == [PersonUpdate(7, "user", {"a": 1}, {})]
    assert changes_of("clicked", {"$set_once": {"b": 2}, "$set": "not a dict"}) == [
        PersonUpdate(7, "user", {}, {"b": 2})
    ]
    assert changes_of("clicked", {"alias": "x", "$anon_distinct_id": "y"}) == []


def test_read_posthog_shapes_and_keys() -> None:
    js = {"event": "e", "properties": {"distinct_id": "d", "token": "tk", "$set": "odd"}}
    envelope = read_posthog([js | {"$set": {"a": 1}, "$set_once": {"b": 2}}])
    assert envelope.key == "tk"
    (event,) = envelope.events
    assert event["distinct_id"] == "d"
    assert event["properties"] == {"distinct_id": "d", "$set": {"a": 1}, "$set_once": {"b": 2}}
    merged = read_posthog(
        {"event": "e", "$set": {"a": 1, "b": 1}, "properties": {"$set": {"a": 2}}}
    )
    assert merged.events[0]["properties"]["$set"] == {"a": 2, "b": 1}
    batch = read_posthog({"api_key": "outer", "batch": [{"event": "e", "api_key": "inner"}, 5]})
    assert (batch.key, batch.events[1]) == ("outer", 5)
    assert read_posthog({"event": "e", "$token": "t"}).key == "t"
    assert read_posthog([{"event": "e"}]).key is None
    with pytest.raises(InvalidInput):
        read_posthog({"batch": "nope"})
    with pytest.raises(InvalidInput):
        read_posthog("text")


def test_read_native() -> None:
    assert read_native({"api_key": "k", "events": [1]}).events == [1]
    assert read_native({"api_key": 3, "events": []}).key is None
    assert read_native([{"event": "e"}]).key is None
    with pytest.raises(InvalidInput) as raised:
        read_native({"api_key": "k"})
    assert raised.value.field == "events"
    with pytest.raises(InvalidInput):
        read_native("text")


def test_read_segment_maps_each_type() -> None:
    context = {
        "page": {"url": "https://s.example/p?q=1", "path": "/p", "referrer": "https://r/"},
        "userAgent": IPHONE,
        "campaign": {"source": "news", "medium": "email", "name": "spring"},
        "library": {"name": "analytics.js"},
    }
    batch = [
        {"type": "identify", "userId": "u", "anonymousId": "a", "traits": {"t": 1}},
        {"type": "identify", "anonymousId": "a", "context": {"traits": {"t": 2}}},
        {"type": "page", "anonymousId": "a", "name": "Pricing", "context": context},
        {"type": "screen", "userId": "u", "name": "Home", "messageId": "m"},
        {"type": "alias", "userId": "u", "previousId": "a"},
        {"type": "group", "userId": "u", "groupId": "g", "traits": {"n": 1}},
        {"type": "track", "userId": "u", "event": "Bought", "originalTimestamp": "2026-01-01"},
        {"type": "mystery", "userId": "u"},
    ]
    envelope = read_segment({"writeKey": "wk", "batch": batch})
    assert envelope.key == "wk"
    ident, anon_ident, page, screen, alias, group, track, mystery = envelope.events
    assert (ident["event"], ident["distinct_id"]) == ("$identify", "u")
    assert ident["properties"] == {"$set": {"t": 1}, "$anon_distinct_id": "a"}
    # Traits of an anonymous visitor: a $set, which does not identify the person.
    assert (anon_ident["event"], anon_ident["distinct_id"]) == ("$set", "a")
    assert anon_ident["properties"]["$set"] == {"t": 2}
    assert "$anon_distinct_id" not in anon_ident["properties"]
    assert (page["event"], page["distinct_id"]) == ("$pageview", "a")
    props = page["properties"]
    assert (props["$current_url"], props["$pathname"], props["$referrer"]) == (
        "https://s.example/p?q=1",
        "/p",
        "https://r/",
    )
    assert (props["utm_source"], props["utm_medium"], props["utm_campaign"]) == (
        "news",
        "email",
        "spring",
    )
    assert (props["$user_agent"], props["$lib"], props["name"]) == (
        IPHONE,
        "analytics.js",
        "Pricing",
    )
    assert (screen["event"], screen["uuid"], screen["properties"]["$screen_name"]) == (
        "$screen",
        "m",
        "Home",
    )
    assert (alias["event"], alias["distinct_id"], alias["properties"]) == (
        "$create_alias",
        "u",
        {"alias": "a"},
    )
    assert group["properties"] == {"$group_key": "g", "$group_set": {"n": 1}}
    assert (track["event"], track["timestamp"]) == ("Bought", "2026-01-01")
    assert mystery["event"] is None


def test_read_segment_single_calls_and_bad_bodies() -> None:
    single = read_segment({"userId": "u", "event": "Bought"}, path_type="track")
    assert single.key is None
    assert (single.events[0]["event"], single.events[0]["distinct_id"]) == ("Bought", "u")
    with pytest.raises(InvalidInput) as raised:
        read_segment({"writeKey": "k"})
    assert raised.value.field == "batch"
    with pytest.raises(InvalidInput):
        read_segment([1])
