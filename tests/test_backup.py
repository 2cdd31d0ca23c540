"""Backup and restore of the embedded data dir, round trip with a running server (issue 12)."""

from __future__ import annotations

import getpass
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from launchloop.backup import read_manifest, restore_data_dir
from launchloop.cli import app, register_commands
from launchloop.config import Settings, load_settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.audit import audit_log, audit_row
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from tests.conftest import Server, free_port, wait_until_up


def _ingest(server: Server, user: str, count: int) -> None:
    events = [
        {"event": "signed_up", "distinct_id": user, "uuid": str(uuid.uuid4()),
         "timestamp": "2026-03-14T13:09:26Z", "properties": {"n": i}}
        for i in range(count)
    ]  # fmt: skip
    body = {"api_key": server.project.public_key, "events": events}
    answer = httpx.post(f"{server.url}/api/v1/events", json=body, timeout=30)
    assert answer.status_code == 200, answer.text


def _snapshot(url: str, token: str) -> dict[str, object]:
    """What the round trip must keep: events of two users, the insights, one insight whole."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
        ada = api.get("/api/v1/events", params={"distinct_id": "ada", "limit": 1000}).json()
        bob = api.get("/api/v1/events", params={"distinct_id": "bob", "limit": 1000}).json()
        insights = api.get("/api/v1/insights").json()
        first = api.get(f"/api/v1/insights/{insights[-1]['id']}").json()
    return {
        "ada": sorted(e["uuid"] for e in ada),
        "bob": sorted(e["uuid"] for e in bob),
        "insights": sorted(i["statement"] for i in insights),
        "first": first,
    }


def _serve(data_dir: Path) -> tuple[str, uvicorn.Server, threading.Thread]:
    from launchloop.web.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(load_settings(data_dir=data_dir)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    return url, running, thread


def _backup_cli(server: Server, target: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "launchloop", "backup", str(target), "--server", server.url,
               "--token", server.project.secret_token]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_backup_while_serving_then_restore_and_serve(server: Server, tmp_path: Path) -> None:
    _ingest(server, "ada", 120)
    _ingest(server, "bob", 7)
    with server.api() as api:
        for statement in ("Users abandon the form", "Pricing page confuses", "Érgonomie"):
            assert api.post("/api/v1/insights", json={"statement": statement}).status_code == 201
    before = _snapshot(server.url, server.project.secret_token)
    stop = threading.Event()
    batches = iter(range(1000))  # at most 5,000 events of carl: under the API's listing limit
    extra = threading.Thread(
        target=lambda: [_ingest(server, "carl", 5) for _ in batches if not stop.is_set()]
    )
    extra.start()  # ingestion goes on during the backup: the copy must still be consistent
    try:
        made = _backup_cli(server, tmp_path / "backup")
    finally:
        stop.set()
        extra.join()
    assert made.returncode == 0, made.stderr
    manifest = read_manifest(tmp_path / "backup")
    assert manifest.counts["events.events"] >= 127
    assert manifest.counts["knowledge.insights"] == 3
    assert not any((server.settings.data_dir / "backups").iterdir())  # moved out, not left behind

    restored = tmp_path / "restored"
    command = [sys.executable, "-m", "launchloop", "restore", str(tmp_path / "backup"),
               "--data-dir", str(restored)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    url, running, thread = _serve(restored)
    try:
        assert _snapshot(url, server.project.secret_token) == before
        auth = {"Authorization": f"Bearer {server.project.secret_token}"}
        with httpx.Client(base_url=url, headers=auth) as api:
            carl = api.get("/api/v1/events", params={"distinct_id": "carl", "limit": 10_000})
        # the snapshot holds whole batches of carl's events, no torn batch
        assert len(carl.json()) == manifest.counts["events.events"] - 127
        assert len(carl.json()) % 5 == 0
    finally:
        running.should_exit = True
        thread.join(timeout=30)


def test_restore_refuses_a_non_empty_dir_and_a_tampered_backup(
    server: Server, tmp_path: Path
) -> None:
    _ingest(server, "ada", 3)
    alone = [sys.executable, "-m", "launchloop", "backup", str(tmp_path / "alone"),
             "--data-dir", str(server.settings.data_dir)]  # fmt: skip
    held = subprocess.run(alone, capture_output=True, text=True, timeout=300)
    assert held.returncode == 2 and "--server" in held.stderr  # DuckDB: one process at a time
    assert _backup_cli(server, tmp_path / "backup").returncode == 0
    target = tmp_path / "busy"
    target.mkdir()
    (target / "launchloop.db").write_text("someone's data")
    with pytest.raises(InvalidInput, match="not an empty folder"):
        restore_data_dir(tmp_path / "backup", target)
    assert (target / "launchloop.db").read_text() == "someone's data"
    restore_data_dir(tmp_path / "backup", target, force=True)
    con = duckdb.connect(str(target / "events.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (3,)
    con.close()

    with (tmp_path / "backup" / "events.duckdb").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(InvalidInput, match="checksum"):
        restore_data_dir(tmp_path / "backup", tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_backup_needs_an_operator_token(server: Server, tmp_path: Path) -> None:
    with server.api() as api:
        member = api.post("/api/v1/members", json={"name": "Vic", "role": "viewer"}).json()
        token = api.post(f"/api/v1/members/{member['id']}/tokens").json()["token"]
        admin = api.post("/api/v1/tokens", json={"label": "adm", "role": "admin"}).json()["token"]
    for refused in (token, admin):  # a project admin is not the instance's operator
        answer = httpx.post(f"{server.url}/api/v1/admin/backup",
                            headers={"Authorization": f"Bearer {refused}"})  # fmt: skip
        assert answer.status_code == 403, answer.text
    assert httpx.post(f"{server.url}/api/v1/admin/backup").status_code == 401
    assert not (server.settings.data_dir / "backups").exists()


def _backup_audit(settings: Settings, project_id: int) -> list[dict[str, Any]]:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        rows = [audit_row(r) for r in audit_log(session, project_id, act="backup")]
    database.dispose()
    return rows


def test_backups_are_audited_in_every_project(server: Server, tmp_path: Path) -> None:
    """Through the server (via api) and alone (via cli, by the system user), with where to."""
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Other team")
    database.dispose()
    assert _backup_cli(server, tmp_path / "served").returncode == 0
    for project_id in (server.project.id, other.id):
        (row,) = _backup_audit(server.settings, project_id)
        assert row["author"] == "default"  # the label of the operator's token
        assert row["changes"]["via"] == "api"
        assert row["changes"]["counts"]["knowledge.projects"] == 2

    alone = load_settings(data_dir=tmp_path / "alone")
    restore_data_dir(tmp_path / "served", alone.data_dir)
    register_commands()
    target = tmp_path / "local"
    made = CliRunner().invoke(app, ["backup", str(target), "--data-dir", str(alone.data_dir)])
    assert made.exit_code == 0, made.output
    for project_id in (server.project.id, other.id):
        rows = _backup_audit(alone, project_id)
        # the copy was made before the server logged it: only the local backup's row is there
        assert [r["changes"]["via"] for r in rows] == ["cli"]
        assert rows[0]["author"] == getpass.getuser()
        assert rows[0]["changes"]["path"] == str(target.resolve())
        assert rows[0]["changes"]["counts"] == read_manifest(target).counts
