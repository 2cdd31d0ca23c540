"""Token revocation across processes (issue 12): two apps on one knowledge database.

Each app has its own KeyRing, as two ``launchloop serve`` workers would; a token revoked
through one is refused by the other on the very next request, for queries and ingestion.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings, load_settings
from launchloop.knowledge.projects import NewProject
from launchloop.web.app import create_app


@pytest.fixture
def two_apps(
    settings: Settings, project: NewProject, tmp_path: Path
) -> Iterator[tuple[TestClient, TestClient]]:
    """App A on the data dir; app B on the same knowledge database, its own event store."""
    other = load_settings(
        data_dir=tmp_path / "worker-b",
        database_url=settings.resolved_database_url,
        events_url=f"duckdb:///{tmp_path / 'worker-b.duckdb'}",
    )
    with TestClient(create_app(settings)) as first, TestClient(create_app(other)) as second:
        yield first, second


def _event() -> dict[str, object]:
    return {"event": "x", "distinct_id": "u", "uuid": str(uuid.uuid4())}


def test_a_token_revoked_in_one_app_is_refused_at_once_by_the_other(
    two_apps: tuple[TestClient, TestClient], project: NewProject
) -> None:
    first, second = two_apps
    admin = {"Authorization": f"Bearer {project.secret_token}"}
    made = first.post("/api/v1/tokens", json={"label": "ci", "role": "admin"}, headers=admin)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    # B has now seen the token on every path that resolves one: queries and ingestion.
    assert second.get("/api/v1/events", headers=bearer).status_code == 200
    ingest = {"api_key": token, "events": [_event()]}
    assert second.post("/api/v1/events", json=ingest).status_code == 200
    assert second.get("/api/v1/insights", headers=bearer).status_code == 200

    token_id = next(t["id"] for t in first.get("/api/v1/tokens", headers=admin).json()
                    if t["label"] == "ci")  # fmt: skip
    assert first.delete(f"/api/v1/tokens/{token_id}", headers=admin).status_code == 200

    assert second.get("/api/v1/events", headers=bearer).status_code == 401
    assert (
        second.post("/api/v1/events", json={"api_key": token, "events": [_event()]}).status_code
        == 401
    )
    assert second.get("/api/v1/insights", headers=bearer).status_code == 401
    # the public key is unaffected (it is cached, and cannot be revoked)
    public = {"api_key": project.public_key, "events": [_event()]}
    assert second.post("/api/v1/events", json=public).status_code == 200
