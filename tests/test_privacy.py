"""Privacy (issue 12): person erasure on both stores and over HTTP, IP anonymization, audit."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from launchloop.cli import app, register_commands
from launchloop.ingest.pipeline import prepare
from launchloop.ingest.privacy import anonymize_ip
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import ApiToken, FeedbackItem
from launchloop.knowledge.projects import create_token
from launchloop.store.base import EventStore, open_store


def _event(name: str, user: str, **props: Any) -> dict[str, Any]:
    return {"event": name, "distinct_id": user, "uuid": str(uuid.uuid4()), "properties": props}


def _people_events() -> list[dict[str, Any]]:
    """anon-1 browses (3 events), identifies as alice (+$set), alice acts (2); bob acts (4)."""
    return [
        _event("$pageview", "anon-1"),
        _event("$pageview", "anon-1"),
        _event("signup_started", "anon-1"),
        _event("$identify", "alice", **{"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}}),
        _event("purchase", "alice"),
        _event("purchase", "alice"),
        *[_event("$pageview", "bob") for _ in range(4)],
    ]


def test_erase_person_removes_every_merged_id(event_store: EventStore) -> None:
    """Alice's 6 events (3 as anon-1), her ids and properties go; bob's 4 events stay."""
    event_store.write(prepare(_people_events(), project_id=1, max_event_bytes=100_000).batch)
    event_store.write(prepare(_people_events()[-1:], project_id=2, max_event_bytes=100_000).batch)
    assert event_store.person(1, "anon-1")["properties"] == {"plan": "pro"}

    counts = event_store.erase_person(1, "anon-1")

    assert counts["events"] == 6
    assert counts["persons"] == 1
    assert counts["distinct_ids"] >= 1  # the anon id's row; a store may also keep alice's own
    assert event_store.person(1, "alice") is None
    assert event_store.person(1, "anon-1") is None
    assert event_store.count_events(1) == 4
    assert {e["distinct_id"] for e in event_store.recent_events(1)} == {"bob"}
    assert event_store.count_events(2) == 1
    assert event_store.erase_person(1, "alice") == {"events": 0, "distinct_ids": 0, "persons": 0}


def test_erased_person_events_are_not_resurrected_by_new_writes(event_store: EventStore) -> None:
    """After an erasure the id is a stranger: a new event starts a new, empty person."""
    event_store.write(prepare(_people_events(), project_id=1, max_event_bytes=100_000).batch)
    event_store.erase_person(1, "alice")
    event_store.write(
        prepare([_event("back", "alice")], project_id=1, max_event_bytes=100_000).batch
    )
    person = event_store.person(1, "alice")
    assert person is not None and person["properties"] == {}
    assert [e["event"] for e in event_store.recent_events(1, distinct_id="alice")] == ["back"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("203.0.113.77", "203.0.113.0"),
        (" 10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::"),
        ("not an ip", "not an ip"),
        (42, 42),
    ],
)
def test_anonymize_ip(sent: Any, kept: Any) -> None:
    """IPv4 loses its last octet, IPv6 its last 80 bits; anything else is left alone."""
    assert anonymize_ip(sent) == kept


def _stored_props(server: Any, user: str) -> list[dict[str, Any]]:
    with server.api() as api:
        answer = api.get("/api/v1/events", params={"distinct_id": user})
    assert answer.status_code == 200, answer.text
    return [item["properties"] for item in answer.json()]


def test_ingestion_anonymizes_ips_by_default(server: Any) -> None:
    """PostHog's $ip and Segment's context.ip arrive with their host part zeroed."""
    key = server.project.public_key
    posthog = {"api_key": key, "batch": [_event("$pageview", "ph-user", **{"$ip": "198.51.100.9"})]}
    assert httpx.post(f"{server.url}/batch/", json=posthog).status_code == 200
    segment = {
        "batch": [
            {
                "type": "track",
                "event": "Clicked",
                "userId": "seg-user",
                "messageId": str(uuid.uuid4()),
                "context": {"ip": "2001:db8::ff:1"},
            }
        ]
    }
    answer = httpx.post(f"{server.url}/v1/batch", json=segment, auth=(key, ""))
    assert answer.status_code == 200, answer.text
    assert _stored_props(server, "ph-user")[0]["$ip"] == "198.51.100.0"
    assert _stored_props(server, "seg-user")[0]["$context"]["ip"] == "2001:db8::"


@pytest.mark.parametrize("settings", [{"anonymize_ips": False}], indirect=True)
def test_ingestion_keeps_ips_when_told(server: Any) -> None:
    """With anonymize_ips = false the address is stored as sent."""
    body = {
        "api_key": server.project.public_key,
        "events": [_event("x", "u", **{"$ip": "1.2.3.4"})],
    }
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    assert _stored_props(server, "u")[0]["$ip"] == "1.2.3.4"


@pytest.mark.parametrize(
    "settings", [{"rate_limit_per_second": 0.01, "rate_limit_burst": 3}], indirect=True
)
def test_rate_limit_answers_429_with_retry_after(server: Any) -> None:
    """Three requests fit the bucket; the fourth of the same key is refused, others' pass."""
    body = {"api_key": server.project.public_key, "events": [_event("x", "u")]}
    answers = [httpx.post(f"{server.url}/api/v1/events", json=body) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[3].headers["retry-after"]) >= 1
    with server.api() as api:  # the secret API is not a public endpoint: not limited
        assert api.get("/api/v1/events").status_code == 200


def _add_feedback(settings: Any, project_id: int, rows: list[tuple[str, str | None]]) -> None:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        for text, author in rows:
            session.add(
                FeedbackItem(project_id=project_id, kind="in_app", text=text, author=author)
            )
    database.dispose()


def _feedback(settings: Any) -> list[tuple[str, str | None]]:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        rows = [
            (i.text, i.author)
            for i in session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))
        ]
    database.dispose()
    return rows


def test_erase_over_http_unlinks_feedback_and_is_audited(server: Any) -> None:
    """DELETE /api/v1/persons/{id}: events gone, feedback text kept without author, logged."""
    body = {"api_key": server.project.public_key, "events": _people_events()}
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    _add_feedback(
        server.settings,
        server.project.id,
        [("slow checkout", "anon-1"), ("love it", "alice"), ("meh", "bob")],
    )
    with server.api() as api:
        answer = api.delete("/api/v1/persons/alice")
        assert answer.status_code == 200, answer.text
        result = answer.json()
        audit = api.get("/api/v1/audit", params={"act": "person"}).json()
        left = api.get("/api/v1/events", params={"limit": 100}).json()
    assert result["counts"]["events"] == 6
    assert result["counts"]["feedback_items"] == 2
    digest = hashlib.sha256(f"{server.project.id}:alice".encode()).hexdigest()
    assert result["distinct_id_sha256"] == digest
    assert {e["distinct_id"] for e in left} == {"bob"}
    assert _feedback(server.settings) == [
        ("slow checkout", None),
        ("love it", None),
        ("meh", "bob"),
    ]
    assert len(audit) == 1 and audit[0]["verb"] == "erase"
    assert audit[0]["changes"]["counts"] == result["counts"]
    assert "alice" not in json.dumps(audit) and "anon-1" not in json.dumps(audit)


def test_erase_and_audit_need_the_admin_role(server: Any) -> None:
    """A viewer token gets 403 on both; nothing is erased."""
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        token = create_token(session, project_id=server.project.id, label="viewer")
        session.flush()
        row = session.scalars(select(ApiToken).where(ApiToken.label == "viewer")).one()
        row.role = "viewer"
    database.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.delete(f"{server.url}/api/v1/persons/x", headers=headers).status_code == 403
    assert httpx.get(f"{server.url}/api/v1/audit", headers=headers).status_code == 403
    assert httpx.delete(f"{server.url}/api/v1/persons/x").status_code == 401
    with server.api() as api:  # an admin asking for an id the project never saw
        assert api.delete("/api/v1/persons/never-seen").status_code == 404


def test_cli_person_erase_and_audit(settings: Any, project: Any, tmp_path: Path) -> None:
    """`launchloop person erase` then `launchloop audit --json` (export is audited too)."""
    store = open_store(settings.resolved_events_url)
    store.write(prepare(_people_events(), project_id=project.id, max_event_bytes=100_000).batch)
    store.close()
    _add_feedback(settings, project.id, [("hard to find", "alice")])
    register_commands()
    runner = CliRunner()
    data = ["--data-dir", str(settings.data_dir)]
    erased = runner.invoke(
        app, ["person", "erase", "anon-1", *data, "--delete-feedback-text", "--json"]
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["counts"]["events"] == 6
    assert _feedback(settings) == []
    exported = runner.invoke(app, ["knowledge", "export", str(tmp_path / "k.json"), *data])
    assert exported.exit_code == 0, exported.output
    shown = runner.invoke(app, ["audit", *data, "--json"])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.output)
    assert [(r["item_kind"], r["verb"]) for r in rows[:2]] == [
        ("export", "export"),
        ("person", "erase"),
    ]
    assert rows[1]["changes"]["feedback_text"] == "deleted"
    store = open_store(settings.resolved_events_url)
    assert store.count_events(project.id) == 4
    store.close()
