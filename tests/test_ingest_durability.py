"""A server process killed with SIGKILL mid-stream keeps every event it acknowledged."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from launchloop.config import Settings
from launchloop.knowledge.projects import NewProject
from tests.conftest import free_port, start_server_process, wait_until_up

BATCH = 50
MAX_BATCHES = 150  # 7,500 events: one read of the events API sees them all


@dataclass
class Stream:
    """Batches a client sent, split by whether the server acknowledged them (2xx)."""

    acknowledged: list[list[dict[str, Any]]] = field(default_factory=list)
    unacknowledged: list[list[dict[str, Any]]] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)


def batch_of(user: str, number: int) -> list[dict[str, Any]]:
    """Fifty native events of ``user`` with fresh uuids and distinct timestamps."""
    return [
        {
            "event": "streamed",
            "distinct_id": user,
            "uuid": str(uuid.uuid4()),
            "timestamp": f"2026-03-14T13:{number // 60:02d}:{number % 60:02d}.{index:06d}Z",
            "properties": {"batch": number, "index": index},
        }
        for index in range(BATCH)
    ]


def stream(url: str, key: str, user: str, sent: Stream, first: int) -> None:
    """Post batches numbered from ``first`` until the server stops answering (or MAX_BATCHES)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        for number in range(first, first + MAX_BATCHES // 2):
            events = batch_of(user, number)
            try:
                answer = client.post("/api/v1/events", json={"api_key": key, "events": events})
            except httpx.HTTPError:
                sent.unacknowledged.append(events)
                return
            if 200 <= answer.status_code < 300:
                sent.acknowledged.append(events)
            else:
                sent.unacknowledged.append(events)
            if len(sent.acknowledged) >= 20:
                sent.enough.set()
    sent.enough.set()


def stored_counts(url: str, token: str, user: str) -> Counter[str]:
    """How many times each uuid of ``user`` is stored."""
    answer = httpx.get(
        f"{url}/api/v1/events",
        params={"distinct_id": user, "limit": 10_000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()) < 10_000
    return Counter(item["uuid"] for item in answer.json())


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server process we started and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


def test_sigkill_loses_no_acknowledged_event(settings: Settings, project: NewProject) -> None:
    user, sent = f"durable-{uuid.uuid4().hex[:12]}", Stream()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first = start_server_process(settings, port)
    try:
        wait_until_up(url)
        # Two clients, so that group commits carry several requests when the kill lands.
        clients = [
            threading.Thread(target=stream, args=(url, project.public_key, user, sent, offset))
            for offset in (0, 1_000)
        ]
        for client in clients:
            client.start()
        assert sent.enough.wait(timeout=120)
        first.kill()  # SIGKILL: no shutdown hook, no final checkpoint
        first.wait()
        for client in clients:
            client.join(timeout=60)
    finally:
        stop(first)
    assert len(sent.acknowledged) >= 20

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    second = start_server_process(settings, port)
    try:
        wait_until_up(url)
        counts = stored_counts(url, project.secret_token, user)
        acknowledged = {e["uuid"] for batch in sent.acknowledged for e in batch}
        assert acknowledged <= set(counts)
        assert max(counts.values()) == 1
        # An SDK retries what got no answer, and may retry what it never saw answered.
        for batch in [*sent.unacknowledged, sent.acknowledged[-1]]:
            answer = httpx.post(
                f"{url}/api/v1/events", json={"api_key": project.public_key, "events": batch}
            )
            assert answer.status_code == 200, answer.text
        everything = acknowledged | {e["uuid"] for b in sent.unacknowledged for e in b}
        assert stored_counts(url, project.secret_token, user) == Counter(everything)
    finally:
        stop(second)
