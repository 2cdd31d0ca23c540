"""A finding raced by two detection runs is stored once (unique index, INSERT ... ON CONFLICT DO
NOTHING), and migration 0009 merges the copies stored before it; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, MetaData, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import DetectionWindow, Finding
from launchloop.detect.registry import Detector
from launchloop.detect.run import DetectionReport, run_detection
from launchloop.knowledge.database import Database, migrate
from launchloop.knowledge.models import Insight, Signal
from launchloop.knowledge.projects import create_project
from launchloop.knowledge.roles import Caller
from launchloop.store.base import EventStore, open_store
from tests.conftest import event_store_url

FINDING = Finding(
    "friction_hotspot",
    "rage_click|/signup",
    "12 rage clicks on /signup over 2026-11-16..2026-11-22",
    ("page:/signup",),
    {"friction": "rage_click", "path": "/signup", "events": 12},
)
WINDOW = DetectionWindow(date(2026, 11, 22))
RUNS = 2


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty knowledge database, SQLite then PostgreSQL (not migrated)."""
    sqlite = request.param == "sqlite"
    url = f"sqlite:///{tmp_path / 'k.db'}" if sqlite else request.getfixturevalue("postgres_url")
    made = Database(url)
    yield made
    made.dispose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    """An empty event store (the racing detector reads none of it)."""
    opened = open_store(event_store_url("duckdb", tmp_path))
    yield opened
    opened.close()


def racing(barrier: threading.Barrier) -> Detector:
    """A detector that finds :data:`FINDING` once every run has read the stored episodes."""

    def find(_context: DetectionContext) -> list[Finding]:
        barrier.wait(timeout=60)
        return [FINDING]

    return Detector("racing", FINDING.kind, find, "One hot spot, after every run has read.")


def test_two_runs_at_the_same_moment_store_a_finding_once(
    database: Database, store: EventStore
) -> None:
    database.migrate()
    with database.session() as session:
        caller = Caller(create_project(session, name="p").id, "admin", "detector")
    detector = racing(threading.Barrier(RUNS))

    def run() -> DetectionReport:
        with database.session() as session:
            return run_detection(session, store, caller, WINDOW, detectors=(detector,))

    with ThreadPoolExecutor(RUNS) as pool:
        reports = [job.result(timeout=120) for job in [pool.submit(run) for _ in range(RUNS)]]
    # Both runs found it; the first to insert stored and drafted it, the other waited and knew it.
    assert sorted((len(r.created), r.already_known) for r in reports) == [(0, 1), (1, 0)]
    assert sum(len(r.drafts.created) for r in reports) == 1
    with database.session() as session:
        (stored,) = session.scalars(select(Signal).where(Signal.project_id == caller.project_id))
        assert stored.fingerprint == FINDING.fingerprint(WINDOW.current.start)
        assert stored.payload["fingerprint"] == stored.fingerprint
        assert session.scalar(select(func.count()).select_from(Insight)) == 1


def test_migration_0009_merges_signals_stored_twice_then_keeps_them_unique(
    database: Database,
) -> None:
    migrate(database.engine, "0008")
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with database.engine.begin() as connection:
        tables = _tables(connection, "projects", "signals", "insights", "evidence", "comments")
        stamp = {"created_at": now, "updated_at": now}
        connection.execute(insert(tables["projects"]), [
            {"id": 1, "name": "p", "time_zone": "UTC", "public_key": "llpk_1", **stamp},
        ])  # fmt: skip
        signal = {"project_id": 1, "author": "d", "kind": "funnel_drop", "source": "detector",
                  "text": "drop", "observed_at": now, "feedback_ids": [], **stamp}  # fmt: skip
        connection.execute(insert(tables["signals"]), [
            signal | {"id": 1, "payload": {"fingerprint": "abc"}},
            signal | {"id": 2, "payload": {"fingerprint": "abc"}},  # the copy of a race
            signal | {"id": 3, "payload": {"fingerprint": "other"}},
            signal | {"id": 4, "payload": {}, "kind": "observation", "source": "person"},
        ])  # fmt: skip
        insight = {"project_id": 1, "author": "d", "statement": "s", "context": "",
                   "status": "draft", "confidence": 0.5, **stamp}  # fmt: skip
        connection.execute(insert(tables["insights"]), [insight | {"id": 1}, insight | {"id": 2}])
        cited = {"kind": "signal", "author": "d", "supports": True, "note": "",
                 "figure_label": "", "captured_at": now, **stamp}  # fmt: skip
        connection.execute(insert(tables["evidence"]), [
            cited | {"id": 1, "insight_id": 1, "signal_id": 1},
            cited | {"id": 2, "insight_id": 1, "signal_id": 2},  # cites both: one stays
            cited | {"id": 3, "insight_id": 2, "signal_id": 2},  # cites the copy: moved
        ])  # fmt: skip
        connection.execute(insert(tables["comments"]), [
            {"id": 1, "project_id": 1, "author": "a", "item_kind": "signal", "item_id": 2,
             "body": "seen", **stamp},
        ])  # fmt: skip
    migrate(database.engine)
    with database.engine.begin() as connection:
        tables = _tables(connection, "signals", "evidence", "comments")
        signals = connection.execute(
            select(tables["signals"].c.id, tables["signals"].c.fingerprint).order_by("id")
        ).all()
        assert [tuple(row) for row in signals] == [(1, "abc"), (3, "other"), (4, None)]
        evidence = connection.execute(
            select(tables["evidence"].c.insight_id, tables["evidence"].c.signal_id).order_by("id")
        ).all()
        assert [tuple(row) for row in evidence] == [(1, 1), (2, 1)]
        assert connection.scalar(select(tables["comments"].c.item_id)) == 1
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        copy = signal | {"id": 5, "payload": {"fingerprint": "abc"}, "fingerprint": "abc"}
        connection.execute(insert(tables["signals"]), [copy])
    with database.engine.begin() as connection:  # observations carry no fingerprint: no limit
        connection.execute(insert(tables["signals"]), [
            signal | {"id": n, "payload": {}, "kind": "observation"} for n in (5, 6)
        ])  # fmt: skip


def _tables(connection: Connection, *names: str) -> dict[str, Table]:
    metadata = MetaData()
    return {name: Table(name, metadata, autoload_with=connection) for name in names}
