"""Backup and restore of the embedded data dir (issue 12), consistent while a server runs.

The knowledge database (SQLite) is copied with SQLite's online backup API, which any process
may use beside the server. The event store (DuckDB) allows one process: the copy runs inside
the process that holds it (``launchloop backup --server``, ``POST /api/v1/admin/backup``), as one
``COPY FROM DATABASE`` statement — one transaction, so one consistent snapshot. A manifest
records versions, row counts and file checksums; restore checks it before writing anything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from launchloop import __version__
from launchloop.config import Settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.audit import record_act
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import list_projects
from launchloop.knowledge.roles import Caller
from launchloop.store.base import EventStore

MANIFEST = "manifest.json"
FORMAT = 1
EVENTS_FILE = "events.duckdb"
KNOWLEDGE_FILE = "launchloop.db"
#: Small files of the data dir copied as they are (the web app's session secret).
EXTRA_FILES = ("session_secret",)
#: Where a server writes the backups it is asked for, inside its data dir.
BACKUPS = "backups"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: versions, row counts per table, file checksums, when it was made."""

    format: int
    launchloop_version: str
    duckdb_version: str
    sqlite_version: str
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest as written to ``manifest.json``."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def backup_data_dir(settings: Settings, store: EventStore, target: Path) -> Manifest:
    """Copy the embedded stores of ``settings`` into the empty folder ``target``.

    :param store: the open event store of this process (the only one allowed to read it).
    """
    knowledge_path = _sqlite_path(settings)
    _duckdb_path(settings)  # refuses a ClickHouse store before anything is written
    _require_empty(target, "target")
    target.mkdir(parents=True, exist_ok=True)
    _copy_sqlite(knowledge_path, target / KNOWLEDGE_FILE)
    _copy_duckdb(store, target / EVENTS_FILE)
    for name in EXTRA_FILES:
        if (settings.data_dir / name).is_file():
            shutil.copy2(settings.data_dir / name, target / name)
    manifest = Manifest(
        format=FORMAT,
        launchloop_version=__version__,
        duckdb_version=duckdb.__version__,
        sqlite_version=sqlite3.sqlite_version,
        created_at=datetime.now(UTC).isoformat(),
        counts={**_sqlite_counts(target / KNOWLEDGE_FILE), **_duckdb_counts(target / EVENTS_FILE)},
        files={p.name: _sha256(p) for p in sorted(target.iterdir()) if p.is_file()},
    )
    (target / MANIFEST).write_text(manifest.to_json())
    return manifest


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup in ``source``, checked against the files it lists."""
    path = source / MANIFEST
    if not path.is_file():
        raise InvalidInput("source", f"{source} holds no {MANIFEST}: not a launchloop backup")
    try:
        manifest = Manifest(**json.loads(path.read_text()))
    except (ValueError, TypeError) as error:
        raise InvalidInput("source", f"unreadable {MANIFEST}: {error}") from None
    if manifest.format != FORMAT:
        raise InvalidInput("source", f"backup format {manifest.format} is not {FORMAT}")
    for name in (KNOWLEDGE_FILE, EVENTS_FILE):
        if name not in manifest.files:
            raise InvalidInput("source", f"the manifest lists no {name}")
    for name, digest in manifest.files.items():
        if Path(name).name != name or not (source / name).is_file():
            raise InvalidInput("source", f"{name} is missing from the backup")
        if _sha256(source / name) != digest:
            raise InvalidInput("source", f"{name} does not match its checksum in the manifest")
    return manifest


def backup_into_data_dir(settings: Settings, store: EventStore) -> tuple[Path, Manifest]:
    """A backup in a new folder ``<data dir>/backups/<UTC time>``, for a server to make."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = settings.data_dir / BACKUPS / stamp
    return target, backup_data_dir(settings, store, target)


def record_backup(
    database: Database, author: str, via: str, target: Path, manifest: Manifest
) -> int:
    """Log a backup in the audit log of every project (it copies them all); how many rows.

    :param author: who asked: the operator token's label, or the system user of the CLI.
    :param via: ``api`` or ``cli``.
    """
    details = {"via": via, "path": str(target.resolve()), "counts": manifest.counts}
    with database.session() as session:
        projects = list_projects(session)
        for project in projects:
            record_act(session, Caller(project.id, "admin", author), "backup", "backup", details)
    return len(projects)


def restore_data_dir(source: Path, data_dir: Path, *, force: bool = False) -> Manifest:
    """Copy the backup in ``source`` into ``data_dir`` (empty, or overwritten with ``force``)."""
    manifest = read_manifest(source)
    if not force:
        _require_empty(data_dir, "data_dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in manifest.files:
        for stale in (data_dir / f"{name}-wal", data_dir / f"{name}-shm", data_dir / f"{name}.wal"):
            stale.unlink(missing_ok=True)
        shutil.copy2(source / name, data_dir / name)
    return manifest


def _require_empty(folder: Path, name: str) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(name, f"{folder} is not an empty folder (restore: use --force)")


def _sqlite_path(settings: Settings) -> Path:
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        raise InvalidInput("database_url", "backup covers SQLite only; use pg_dump for PostgreSQL")
    return Path(url.removeprefix("sqlite:///"))


def _duckdb_path(settings: Settings) -> Path:
    url = settings.resolved_events_url
    if not url.startswith("duckdb:///"):
        raise InvalidInput("events_url", "backup covers DuckDB only; use ClickHouse's BACKUP")
    return Path(url.removeprefix("duckdb:///"))


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while others read and write."""
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    live.close()
    copy.close()


def _copy_duckdb(store: EventStore, target: Path) -> None:
    """One ``COPY FROM DATABASE`` statement: one transaction, one snapshot of every table."""
    (catalog,) = store.query("SELECT current_database()")[0]
    alias = f"backup_{hashlib.sha1(str(target).encode()).hexdigest()[:12]}"
    quoted = str(target).replace("'", "''")
    store.query(f"ATTACH '{quoted}' AS {alias}")
    try:
        store.query(f'COPY FROM DATABASE "{catalog}" TO {alias}')
    finally:
        store.query(f"DETACH {alias}")


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {
            f"knowledge.{n}": con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]
            for n in sorted(names)
            if not n.startswith("sqlite_")
        }
    con.close()
    return counts


def _duckdb_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            f"events.{n}": con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]  # type: ignore[index]
            for n in sorted(names)
        }
    finally:
        con.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
