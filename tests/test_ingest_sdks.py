"""Real SDKs and hand-built SDK bodies against a live server; events and persons read back.

The posthog and segment-analytics-python packages send what they send in production; the
posthog-js and other Segment-protocol bodies are built here the way FACTS.md records them.
"""

from __future__ import annotations

import base64
import gzip
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import posthog
import pytest
import segment.analytics as analytics

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
PLUS_TWO = timezone(timedelta(hours=2))


def unique(prefix: str) -> str:
    """A distinct id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def events_of(server: Any, distinct_id: str) -> dict[str, dict[str, Any]]:
    """The stored events of one distinct id, by uuid."""
    with server.api() as api:
        answer = api.get("/api/v1/events", params={"distinct_id": distinct_id, "limit": 1000})
    assert answer.status_code == 200, answer.text
    return {event["uuid"]: event for event in answer.json()}


def person_of(server: Any, distinct_id: str) -> dict[str, Any]:
    """The person behind a distinct id, as the API shows it."""
    with server.api() as api:
        answer = api.get(f"/api/v1/persons/{distinct_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def utc(text: str) -> datetime:
    """A timestamp of the API, which must say it is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0), text
    return moment


@pytest.fixture
def posthog_client(server: Any) -> Any:
    """The real posthog SDK, synchronous, no retries (a failure shows as a missing event)."""
    client = posthog.Posthog(
        server.project.public_key, host=server.url, sync_mode=True, max_retries=0
    )
    yield client
    client.shutdown()


def test_posthog_pageview_columns_and_exact_timestamp(server: Any, posthog_client: Any) -> None:
    anon = unique("anon")
    ids = [str(uuid.uuid4()) for _ in range(2)]
    moment = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=PLUS_TWO)
    url = "https://shop.example/pricing/plans?utm_source=news&utm_medium=email&utm_campaign=spring"
    posthog_client.capture(
        "$pageview",
        distinct_id=anon,
        properties={"$current_url": url, "$user_agent": IPHONE, "$referrer": "https://g.co/"},
        timestamp=moment,
        uuid=ids[0],
    )
    posthog_client.capture(
        "$pageview",
        distinct_id=anon,
        properties={"$current_url": "https://shop.example/", "$browser": "Firefox"}
        | {"$user_agent": WINDOWS_CHROME, "utm_source": "explicit", "plan": {"tier": 2}},
        timestamp=moment + timedelta(microseconds=1),
        uuid=ids[1],
    )
    stored = events_of(server, anon)
    assert set(stored) == set(ids)
    first, second = stored[ids[0]], stored[ids[1]]
    assert utc(first["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 535897, tzinfo=UTC)
    assert utc(second["timestamp"]) - utc(first["timestamp"]) == timedelta(microseconds=1)
    assert (first["event"], first["distinct_id"]) == ("$pageview", anon)
    assert (first["url"], first["path"], first["referrer"]) == (
        url,
        "/pricing/plans",
        "https://g.co/",
    )
    assert (first["utm_source"], first["utm_medium"], first["utm_campaign"]) == (
        "news",
        "email",
        "spring",
    )
    assert (first["browser"], first["os"], first["device_type"]) == ("Safari", "iOS", "Mobile")
    assert first["properties"]["$lib"] == "posthog-python"
    assert first["properties"]["$current_url"] == url
    # posthog-python adds the *server's* $os: a forwarded User-Agent describes the user better,
    # and without one the properties sent are what we know.
    assert first["properties"]["$os"] == second["properties"]["$os"] != "iOS"
    assert (second["browser"], second["os"], second["device_type"]) == (
        "Firefox",
        second["properties"]["$os"],
        "Desktop",
    )
    assert (second["path"], second["utm_source"], second["utm_medium"]) == ("/", "explicit", None)
    assert second["properties"]["plan"] == {"tier": 2}


def test_posthog_identify_set_alias_merge_persons(server: Any, posthog_client: Any) -> None:
    anon, user, device = unique("anon"), unique("user"), unique("device")
    posthog_client.capture("viewed_pricing", distinct_id=anon)
    posthog_client.set_once(distinct_id=anon, properties={"first_plan": "free", "source": "ad"})
    posthog_client.capture(
        "$identify",
        distinct_id=user,
        properties={
            "$anon_distinct_id": anon,
            "$set": {"email": "ada@example.com", "plan": "pro"},
            "$set_once": {"source": "newsletter", "signed_up": "2026-03-14"},
        },
    )
    posthog_client.set(distinct_id=user, properties={"plan": "team"})
    posthog_client.set_once(distinct_id=user, properties={"plan": "ignored", "seats": 3})
    posthog_client.alias(previous_id=user, distinct_id=device)
    clicked = posthog_client.capture("clicked_buy", distinct_id=device)

    expected = {
        "first_plan": "free",
        "source": "ad",
        "email": "ada@example.com",
        "plan": "team",
        "signed_up": "2026-03-14",
        "seats": 3,
    }
    for distinct_id in (anon, user, device):
        person = person_of(server, distinct_id)
        assert person["person_id"] == user
        assert person["distinct_ids"] == sorted([anon, user, device])
        assert person["properties"] == expected
    names = {event["event"] for event in events_of(server, user).values()}
    # posthog-python sends alias() as $create_alias from the previous id.
    assert names == {"$identify", "$set", "$set_once", "$create_alias"}
    assert events_of(server, device)[clicked]["person_id"] == user
    assert sorted(e["event"] for e in events_of(server, anon).values()) == [
        "$set_once",
        "viewed_pricing",
    ]


def test_posthog_persons_of_other_users_stay_apart(server: Any, posthog_client: Any) -> None:
    first, second = unique("first"), unique("second")
    posthog_client.set(distinct_id=first, properties={"plan": "pro"})
    posthog_client.set(distinct_id=second, properties={"plan": "free"})
    assert person_of(server, first) == {
        "person_id": first,
        "distinct_ids": [first],
        "properties": {"plan": "pro"},
        "is_identified": False,
    }
    assert person_of(server, second)["properties"] == {"plan": "free"}
    with server.api() as api:
        assert api.get(f"/api/v1/persons/{unique('never-seen')}").status_code == 404
    odd = unique("team/ünïcode id?#")
    posthog_client.set(distinct_id=odd, properties={"plan": "odd"})
    with server.api() as api:
        answer = api.get(f"/api/v1/persons/{quote(odd, safe='')}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["distinct_ids"] == [odd]


@pytest.fixture
def segment_client(server: Any) -> Any:
    """The real segment-analytics-python client, synchronous (it raises on a non-2xx)."""
    return analytics.Client(
        server.project.public_key, host=server.url, sync_mode=True, max_retries=0
    )


def test_segment_calls_mapped_to_events(server: Any, segment_client: Any) -> None:
    anon, user = unique("anon"), unique("user")
    moment = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=PLUS_TWO)
    ids = {kind: str(uuid.uuid4()) for kind in ("identify", "track", "page", "screen", "group")}
    segment_client.identify(
        user_id=user,
        anonymous_id=anon,
        traits={"email": "bo@example.com", "plan": "pro"},
        message_id=ids["identify"],
        timestamp=moment,
    )
    segment_client.track(
        user_id=user,
        event="Order Completed",
        properties={"revenue": 42.5, "items": ["a", "b"]},
        context={
            "userAgent": WINDOWS_CHROME,
            "campaign": {"source": "news", "medium": "email", "name": "spring"},
        },
        message_id=ids["track"],
    )
    page = {
        "url": "https://shop.example/pricing?x=1",
        "path": "/pricing",
        "referrer": "https://r.io/",
    }
    segment_client.page(
        anonymous_id=anon,
        name="Pricing",
        properties={"title": "Pricing"},
        context={"page": page},
        message_id=ids["page"],
    )
    segment_client.screen(user_id=user, name="Home", message_id=ids["screen"])
    segment_client.group(
        user_id=user, group_id="acme", traits={"name": "Acme"}, message_id=ids["group"]
    )

    by_user, by_anon = events_of(server, user), events_of(server, anon)
    assert set(by_user) == {ids[k] for k in ("identify", "track", "screen", "group")}
    assert set(by_anon) == {ids["page"]}
    identify, track = by_user[ids["identify"]], by_user[ids["track"]]
    # Segment sends milliseconds: .535897 arrives as .535.
    assert utc(identify["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 535000, tzinfo=UTC)
    assert identify["event"] == "$identify"
    assert identify["properties"]["$set"] == {"email": "bo@example.com", "plan": "pro"}
    assert track["event"] == "Order Completed"
    assert track["properties"]["revenue"] == 42.5
    assert track["properties"]["items"] == ["a", "b"]
    assert track["properties"]["$lib"] == "analytics-python"
    assert (track["utm_source"], track["utm_medium"], track["utm_campaign"]) == (
        "news",
        "email",
        "spring",
    )
    assert (track["browser"], track["os"], track["device_type"]) == ("Chrome", "Windows", "Desktop")
    pageview = by_anon[ids["page"]]
    assert pageview["event"] == "$pageview"
    assert (pageview["url"], pageview["path"], pageview["referrer"]) == (
        page["url"],
        "/pricing",
        "https://r.io/",
    )
    assert pageview["properties"]["title"] == "Pricing"
    assert pageview["person_id"] == user
    assert by_user[ids["screen"]]["event"] == "$screen"
    assert by_user[ids["screen"]]["properties"]["$screen_name"] == "Home"
    assert by_user[ids["group"]]["event"] == "$groupidentify"
    assert by_user[ids["group"]]["properties"]["$group_key"] == "acme"
    person = person_of(server, anon)
    assert person["person_id"] == user
    assert person["distinct_ids"] == sorted([anon, user])
    assert person["properties"] == {"email": "bo@example.com", "plan": "pro"}


def test_segment_alias_merges_persons(server: Any, segment_client: Any) -> None:
    old, new = unique("old"), unique("new")
    segment_client.identify(user_id=old, traits={"plan": "free", "name": "Cy"})
    segment_client.identify(user_id=new, traits={"plan": "pro"})
    segment_client.alias(previous_id=old, user_id=new)
    segment_client.track(user_id=old, event="Logged In")
    for distinct_id in (old, new):
        person = person_of(server, distinct_id)
        assert person["person_id"] == new
        assert person["distinct_ids"] == sorted([old, new])
        # The kept person's own values win; the merged person fills the gaps.
        assert person["properties"] == {"plan": "pro", "name": "Cy"}
    (logged_in,) = [e for e in events_of(server, old).values() if e["event"] == "Logged In"]
    assert logged_in["person_id"] == new


def test_segment_gzip_with_key_only_in_basic_auth(server: Any) -> None:
    user, message_id = unique("user"), str(uuid.uuid4())
    body = {
        "batch": [
            {
                "type": "track",
                "event": "Signed Up",
                "userId": user,
                "properties": {"plan": "pro"},
                "timestamp": "2026-03-14T13:09:26.123Z",
                "messageId": message_id,
            }
        ],
        "sentAt": "2026-03-14T13:09:27.000Z",
    }
    auth = base64.b64encode(f"{server.project.public_key}:".encode()).decode()
    answer = httpx.post(
        f"{server.url}/v1/batch",
        content=gzip.compress(orjson.dumps(body)),
        headers={
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
            "Authorization": f"Basic {auth}",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True
    stored = events_of(server, user)[message_id]
    assert stored["event"] == "Signed Up"
    assert utc(stored["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 123000, tzinfo=UTC)


def js_event(distinct_id: str, token: str | None = None, **extra: Any) -> dict[str, Any]:
    """An event as posthog-js builds it (token in the properties)."""
    properties: dict[str, Any] = {
        "$current_url": "https://app.example/settings?utm_campaign=launch",
        "$browser": "Chrome",
        "$os": "Mac OS X",
        "$device_type": "Desktop",
        "$session_id": "s-1",
        "$lib": "web",
        "note": "héllo ✓",
    }
    if token:
        properties["token"] = token
    return {
        "event": "$pageview",
        "distinct_id": distinct_id,
        "uuid": str(uuid.uuid4()),
        "timestamp": "2026-03-14T13:09:26.500Z",
        "properties": properties | extra,
    }


def js_bodies(
    key: str, distinct_id: str
) -> list[tuple[str, dict[str, Any], bytes, dict[str, str]]]:
    """(path, params, body, headers) of each way posthog-js sends, with the event it carries."""
    gzip_js = orjson.dumps({"api_key": key, "batch": [js_event(distinct_id)], "sent_at": "x"})
    beacon = base64.b64encode(orjson.dumps([js_event(distinct_id, key)])).decode()
    plain_form = quote(orjson.dumps(js_event(distinct_id, key)).decode())
    text = {"Content-Type": "text/plain"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        (
            "/e/",
            {"compression": "gzip-js", "ver": "1.200.0", "_": "1"},
            gzip.compress(gzip_js),
            text,
        ),
        ("/e/", {"compression": "base64"}, f"data={quote(beacon)}".encode(), form),
        ("/e/", {}, f"data={plain_form}".encode(), form),
        ("/e/", {}, orjson.dumps([js_event(distinct_id, key), js_event(distinct_id, key)]), {}),
        ("/i/v0/e/", {"ip": "1"}, orjson.dumps(js_event(distinct_id, key)), {}),
        ("/capture/", {}, base64.b64encode(orjson.dumps(js_event(distinct_id, key))), text),
    ]


@pytest.mark.parametrize("case", range(6))
def test_posthog_js_bodies(server: Any, case: int) -> None:
    distinct_id = unique("js")
    path, params, body, headers = js_bodies(server.project.public_key, distinct_id)[case]
    sent = _events_in(body)
    answer = httpx.post(f"{server.url}{path}", params=params, content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == 1
    stored = events_of(server, distinct_id)
    assert set(stored) == {event["uuid"] for event in sent}
    for event in stored.values():
        assert utc(event["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 500000, tzinfo=UTC)
        assert (event["path"], event["utm_campaign"], event["session_id"]) == (
            "/settings",
            "launch",
            "s-1",
        )
        assert event["properties"]["note"] == "héllo ✓"
        assert "token" not in event["properties"]


def _events_in(body: bytes) -> list[dict[str, Any]]:
    """The events a hand-built body carries (decoded here independently of the server)."""
    if body.startswith(b"\x1f\x8b"):
        body = gzip.decompress(body)
    if body.startswith(b"data="):
        from urllib.parse import unquote_to_bytes

        body = unquote_to_bytes(body[5:])
    if not body.startswith((b"{", b"[")):
        body = base64.b64decode(body)
    value = orjson.loads(body)
    if isinstance(value, dict):
        value = value.get("batch", [value])
    return value


@pytest.mark.parametrize("key_in", ["body", "bearer"])
def test_native_events(server: Any, key_in: str) -> None:
    user = unique("native")
    events = [
        {
            "event": "signed_up",
            "distinct_id": user,
            "uuid": str(uuid.uuid4()),
            "timestamp": "2026-03-14T13:09:26.000001+00:00",
            "properties": {"url": "https://x.example/a/b?utm_medium=cpc", "plan": "pro"},
        },
        {
            "event": "opened_app",
            "distinct_id": user,
            "uuid": str(uuid.uuid4()),
            "timestamp": 1773493766123,
        },
    ]
    body: dict[str, Any] = {"events": events}
    headers = {}
    if key_in == "body":
        body["api_key"] = server.project.public_key
    else:
        headers["Authorization"] = f"Bearer {server.project.public_key}"
    answer = httpx.post(f"{server.url}/api/v1/events", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 2, "rejected": []}
    stored = events_of(server, user)
    signed_up, opened = stored[events[0]["uuid"]], stored[events[1]["uuid"]]
    assert utc(signed_up["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 1, tzinfo=UTC)
    assert (signed_up["path"], signed_up["utm_medium"]) == ("/a/b", "cpc")
    assert signed_up["properties"] == events[0]["properties"]
    # Epoch milliseconds, computed by hand: 1773493766 s is 2026-03-14T13:09:26Z.
    assert utc(opened["timestamp"]) == datetime(2026, 3, 14, 13, 9, 26, 123000, tzinfo=UTC)
    assert opened["properties"] == {}


def test_posthog_background_batches_gzip(server: Any) -> None:
    """The SDK's default mode: a consumer thread batches events, here gzipped, then flush()."""
    user = unique("batched")
    client = posthog.Posthog(
        server.project.public_key, host=server.url, gzip=True, max_retries=0, flush_at=25
    )
    sent = [client.capture("tick", distinct_id=user, properties={"n": n}) for n in range(60)]
    client.flush()
    client.shutdown()
    stored = events_of(server, user)
    assert set(stored) == set(sent)
    assert sorted(e["properties"]["n"] for e in stored.values()) == list(range(60))


def test_segment_background_batches_gzip(server: Any) -> None:
    user = unique("batched")
    client = analytics.Client(
        server.project.public_key, host=server.url, gzip=True, max_retries=0, upload_size=25
    )
    sent = [
        client.track(user_id=user, event="tick", properties={"n": n})[1]["messageId"]
        for n in range(60)
    ]
    client.flush()
    client.join()
    stored = events_of(server, user)
    assert set(stored) == set(sent)
    assert sorted(e["properties"]["n"] for e in stored.values()) == list(range(60))


def test_browser_sdks_may_read_answers_from_any_origin(server: Any) -> None:
    origin = {"Origin": "https://shop.example"}
    preflight = httpx.options(
        f"{server.url}/e/",
        headers=origin
        | {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    user = unique("cors")
    answer = httpx.post(
        f"{server.url}/e/",
        content=orjson.dumps([js_event(user, server.project.public_key)]),
        headers=origin | {"Content-Type": "text/plain"},
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    refused = httpx.post(f"{server.url}/e/", content=b"[]", headers=origin)
    assert refused.status_code in (400, 401)
    assert refused.headers["access-control-allow-origin"] == "*"
