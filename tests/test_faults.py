"""Faults: the disk filling up, a migration killed midway; nothing acknowledged lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from launchloop.config import load_settings
from launchloop.knowledge.database import Database, alembic_config
from launchloop.knowledge.projects import NewProject, create_project
from tests.conftest import free_port, start_server_process, wait_until_up

BATCH = 200


def mount_tmpfs(folder: Path, size: str) -> None:
    """Mount a small tmpfs at ``folder``; skip (fail under CI) where mounting is not allowed."""
    folder.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs: {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A data dir on an 8 MiB tmpfs (unmounted afterwards)."""
    folder = tmp_path / "data"
    mount_tmpfs(folder, "8m")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def project_in(data_dir: Path) -> NewProject:
    """A migrated knowledge database with one project in ``data_dir``."""
    database = Database(load_settings(data_dir=data_dir).resolved_database_url)
    database.migrate()
    with database.session() as session:
        made = create_project(session, name="Faults")
    database.dispose()
    return made


def batch(number: int) -> list[dict[str, Any]]:
    """Events with fresh uuids and bulky properties, to fill the disk quickly."""
    return [
        {
            "event": "filled",
            "distinct_id": f"u{number % 7}",
            "uuid": str(uuid.uuid4()),
            "timestamp": f"2026-03-14T12:00:{index % 60:02d}Z",
            "properties": {"pad": uuid.uuid4().hex * 20, "number": number},
        }
        for index in range(BATCH)
    ]


def fill(folder: Path, leave_bytes: int) -> Path:
    """A filler file taking all but ``leave_bytes`` of the file system of ``folder``."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler.bin"
    with filler.open("wb") as out:
        out.write(b"\0" * max(free - leave_bytes, 0))
    return filler


def test_a_full_disk_answers_507_loses_nothing_and_recovers(small_disk: Path) -> None:
    project = project_in(small_disk)
    port = free_port()
    server = start_server_process(load_settings(data_dir=small_disk), port)
    url = f"http://127.0.0.1:{port}"
    acknowledged: set[str] = set()
    statuses: list[int] = []
    try:
        wait_until_up(url)
        filler = fill(small_disk, 1_500_000)
        with httpx.Client(base_url=url, timeout=30) as client:
            for number in range(400):
                events = batch(number)
                body = {"api_key": project.public_key, "events": events}
                answer = client.post("/api/v1/events", json=body)
                statuses.append(answer.status_code)
                if answer.status_code == 200:
                    acknowledged.update(event["uuid"] for event in events)
                elif answer.status_code in (503, 507):
                    assert answer.headers["content-type"].startswith("application/json")
                    assert str(small_disk) not in answer.text  # no server path leaks out
                    break
            assert statuses[-1] in (503, 507), statuses
            assert 500 not in statuses
            filler.unlink()
            later = batch(10_000)
            again = client.post(
                "/api/v1/events", json={"api_key": project.public_key, "events": later}
            )
            assert again.status_code == 200, again.text
            acknowledged.update(event["uuid"] for event in later)
    finally:
        server.terminate()
        server.wait(timeout=60)
    con = duckdb.connect(str(small_disk / "events.duckdb"))
    stored = [row[0] for row in con.execute("SELECT uuid::VARCHAR FROM events").fetchall()]
    con.close()
    assert len(stored) == len(set(stored))
    assert acknowledged <= set(stored)


KILLER = """
import os, signal, sys
from sqlalchemy import event
from launchloop.knowledge.database import Database
database = Database(sys.argv[1])
seen = 0
def count(*_args):
    global seen
    seen += 1
    if seen == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
event.listen(database.engine, "before_cursor_execute", count)
database.migrate()
"""


def kill_midway(url: str, statement: int) -> int:
    """Run the migrations in a subprocess that SIGKILLs itself before SQL statement N."""
    done = subprocess.run(
        [sys.executable, "-c", KILLER, url, str(statement)], capture_output=True, timeout=120
    )
    return done.returncode


def head_of(database: Database) -> str:
    """The newest revision of our migrations."""
    head = ScriptDirectory.from_config(alembic_config(database.engine)).get_current_head()
    assert head is not None
    return head


def current_of(database: Database) -> str | None:
    """The revision stamped in the database, if any."""
    if "alembic_version" not in inspect(database.engine).get_table_names():
        return None
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.parametrize("statement", [5, 40])
def test_a_migration_killed_midway_leaves_a_database_that_migrates(
    tmp_path: Path, statement: int
) -> None:
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    assert kill_midway(url, statement) == -signal.SIGKILL
    database = Database(url)
    try:
        assert current_of(database) != head_of(database)
        database.migrate()
        assert current_of(database) == head_of(database)
        with database.session() as session:
            made = create_project(session, name="After the crash")
        assert made.secret_token
    finally:
        database.dispose()


def test_a_migration_killed_midway_on_postgresql_rolls_back(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    assert kill_midway(url, 40) == -signal.SIGKILL
    database = Database(url)
    try:
        assert current_of(database) != head_of(database)
        database.migrate()
        assert current_of(database) == head_of(database)
        with database.session() as session:
            assert create_project(session, name="After the crash").secret_token
    finally:
        database.dispose()


def terminate_backends(url: str) -> int:
    """Kill every other connection to the database of ``url``; how many were killed."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def post_tickets(api: httpx.Client, prefix: str) -> tuple[int, dict[str, str]]:
    """Five tickets in one request, and the content type of the answer."""
    rows = [
        {"kind": "support_ticket", "text": f"ticket {i}", "external_id": f"{prefix}-{i}"}
        for i in range(5)
    ]
    answer = api.post("/api/v1/feedback", json=rows)
    return answer.status_code, dict(answer.headers)


def stored_ids(url: str) -> set[str]:
    """External ids of the feedback items in the database."""
    import psycopg

    with psycopg.connect(url) as reader:
        rows = reader.execute("SELECT external_id FROM feedback_items").fetchall()
    return {row[0] for row in rows}


@pytest.fixture
def postgres_settings(tmp_path: Path, postgres_url: str) -> Any:
    """Settings with the knowledge database on PostgreSQL."""
    return load_settings(data_dir=tmp_path / "data", database_url=postgres_url)


@pytest.mark.parametrize("rounds", [6])
def test_postgres_connections_dropping_fail_cleanly_then_recover(
    postgres_settings: Any, postgres_url: str, rounds: int
) -> None:
    import threading

    import uvicorn

    from launchloop.web.app import create_app

    postgres_settings.data_dir.mkdir(parents=True)
    database = Database(postgres_settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        project = create_project(session, name="Drops")
    database.dispose()
    port = free_port()
    config = uvicorn.Config(create_app(postgres_settings), host="127.0.0.1", port=port)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    outcomes: dict[str, int] = {}
    killed = 0
    try:
        wait_until_up(url)
        auth = {"Authorization": f"Bearer {project.secret_token}"}
        with httpx.Client(base_url=url, headers=auth, timeout=30) as api:
            for number in range(rounds):
                outcomes[f"a{number}"], _ = post_tickets(api, f"a{number}")
                killed += terminate_backends(postgres_url)
                status, headers = post_tickets(api, f"b{number}")
                outcomes[f"b{number}"] = status
                if status >= 500:
                    assert headers["content-type"].startswith("application/json")
                assert api.get("/api/v1/kpis").status_code == 200
            final, _ = post_tickets(api, "final")
    finally:
        running.should_exit = True
        thread.join(timeout=30)
    assert killed >= rounds  # the server's pooled connections really were cut
    assert final == 200
    assert all(status in (200, 500, 503) for status in outcomes.values()), outcomes
    stored = stored_ids(postgres_url)
    for prefix, status in outcomes.items():
        present = {f"{prefix}-{i}" for i in range(5)} & stored
        assert len(present) in (0, 5), (prefix, present)
        if status == 200:
            assert len(present) == 5
