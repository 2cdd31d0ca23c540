"""The server on the ClickHouse event store (chdb in-process): ingest, then read back."""

from __future__ import annotations

from pathlib import Path

import httpx
import posthog
import pytest

from launchloop.config import Settings, load_settings
from launchloop.runtime import open_runtime


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose event store is chdb in the test's folder (overrides conftest's)."""
    return load_settings(data_dir=tmp_path / "data", events_url=f"chdb:///{tmp_path / 'events'}")


def test_runtime_opens_chdb_and_ignores_duckdb_options(settings: Settings) -> None:
    runtime = open_runtime(settings)
    try:
        assert runtime.store.dialect == "clickhouse"
        assert runtime.store.count_events(1) == 0
    finally:
        runtime.close()


def test_posthog_batch_into_chdb(server) -> None:
    client = posthog.Posthog(server.project.public_key, host=server.url, sync_mode=True)
    client.capture(
        "signed_up",
        distinct_id="anon-1",
        properties={"$current_url": "https://x.io/a?utm_source=news"},
    )
    client.capture(
        "$identify",
        distinct_id="user-1",
        properties={"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}},
    )
    client.flush()
    with server.api() as api:
        events = api.get("/api/v1/events").json()
        person = api.get("/api/v1/persons/anon-1").json()
        only = api.get("/api/v1/events", params={"event": "signed_up"}).json()
    assert sorted(e["event"] for e in events) == ["$identify", "signed_up"]
    assert [e["utm_source"] for e in only] == ["news"]
    assert person == {
        "person_id": "user-1",
        "distinct_ids": ["anon-1", "user-1"],
        "properties": {"plan": "pro"},
        "is_identified": True,
    }
    # A retry of the same batch (same uuids) is acknowledged and stored once.
    first = events[0]
    retry = {
        "api_key": server.project.public_key,
        "batch": [
            {
                "event": first["event"],
                "distinct_id": first["distinct_id"],
                "uuid": first["uuid"],
                "timestamp": first["timestamp"],
                "properties": first["properties"],
            }
        ],
    }
    assert httpx.post(f"{server.url}/batch/", json=retry).status_code == 200
    with server.api() as api:
        assert len(api.get("/api/v1/events").json()) == 2
