"""The group-commit writer on a real DuckDB store: grouping, capacity, failures."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from launchloop.errors import OverCapacity
from launchloop.ingest.pipeline import prepare
from launchloop.ingest.writer import GroupWriter
from launchloop.store.duckdb import DuckDBStore


def batch(count: int, prefix: str):
    events = [
        {
            "event": "e",
            "distinct_id": f"{prefix}-{i}",
            "uuid": f"{prefix}-{i}",
            "timestamp": "2026-01-01T00:00:00Z",
        }
        for i in range(count)
    ]
    return prepare(events, project_id=1, max_event_bytes=10_000).batch


def test_concurrent_batches_are_all_committed(tmp_path: Path) -> None:
    store = DuckDBStore(str(tmp_path / "e.duckdb"))
    writer = GroupWriter(store, group_wait_ms=20)
    threads = [
        threading.Thread(target=writer.write_sync, args=(batch(50, f"t{n}"),)) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert store.count_events(1) == 400
    store.close()


def test_a_batch_larger_than_the_queue_passes_when_the_queue_is_empty(tmp_path: Path) -> None:
    store = DuckDBStore(str(tmp_path / "e.duckdb"))
    writer = GroupWriter(store, queue_events=10, group_wait_ms=200)
    first = writer.submit(batch(25, "big"))  # empty queue: taken although 25 > 10
    with pytest.raises(OverCapacity):
        writer.submit(batch(1, "small"))  # the queue is now over its size
    assert first.result() == 25
    writer.write_sync(batch(1, "after"))
    writer.close()
    assert store.count_events(1) == 26
    store.close()
