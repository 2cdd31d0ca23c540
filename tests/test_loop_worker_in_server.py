"""``worker = true``: the scheduler runs inside the server, beside embedded DuckDB."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest


@pytest.mark.parametrize("settings", [{"worker": True}], indirect=True)
def test_the_server_runs_due_jobs_itself(server: Any) -> None:
    schedule = server.settings.data_dir / "worker.json"  # written after each job
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not schedule.exists():
        time.sleep(0.2)
    assert schedule.exists(), "the in-process scheduler recorded no run"
    runs = orjson.loads(schedule.read_bytes())
    assert f"{server.project.id}:detect" in runs
    with server.api() as api:  # the server still answers while its scheduler works
        assert api.get("/api/v1/events").status_code == 200
