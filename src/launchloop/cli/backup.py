"""``launchloop backup DIR`` and ``launchloop restore DIR`` of the embedded data dir (issue 12).

While ``launchloop serve`` holds the event store, pass ``--server URL --token TOKEN`` (an
instance operator's token): the server makes the copy (``POST /api/v1/admin/backup``) and this
command moves it. Either way the backup is written to every project's audit log.
"""

from __future__ import annotations

import getpass
import json
import shutil
from pathlib import Path
from typing import Annotated

import duckdb
import httpx
import typer
from rich.console import Console

from launchloop.backup import (
    Manifest,
    backup_data_dir,
    read_manifest,
    record_backup,
    restore_data_dir,
)
from launchloop.cli import app
from launchloop.cli.options import DataDir, JsonOutput
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.runtime import Runtime, open_runtime

console = Console()

ServerUrl = Annotated[
    str | None, typer.Option("--server", help="URL of the running server that holds the data dir.")
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="LAUNCHLOOP_TOKEN", help="An operator token (with --server)."),
]


@app.command("backup")
def backup(
    target: Path,
    data_dir: DataDir = None,
    server: ServerUrl = None,
    token: Token = None,
    as_json: JsonOutput = False,
) -> None:
    """Copy the embedded data dir into the empty folder TARGET, with a manifest."""
    if server:
        manifest = _backup_through(server, token, target)
    else:
        runtime = _open_alone(data_dir)
        try:
            manifest = backup_data_dir(runtime.settings, runtime.store, target)
            record_backup(runtime.database, _os_user(), "cli", target, manifest)
        finally:
            runtime.close()
    _show(manifest, target, as_json)


@app.command("restore")
def restore(
    source: Path,
    data_dir: DataDir = None,
    force: bool = typer.Option(False, "--force", help="Overwrite a data dir that is not empty."),
    as_json: JsonOutput = False,
) -> None:
    """Check the backup in SOURCE against its manifest and copy it into the data dir."""
    settings = load_settings(data_dir=data_dir)
    manifest = restore_data_dir(source, settings.data_dir, force=force)
    _show(manifest, settings.data_dir, as_json)


def _open_alone(data_dir: Path | None) -> Runtime:
    """The data dir's stores, or a clear refusal while a server holds the event store."""
    try:
        return open_runtime(load_settings(data_dir=data_dir))
    except duckdb.IOException:
        raise InvalidInput(
            "data_dir", "a running server holds the event store: pass --server URL --token TOKEN"
        ) from None


def _os_user() -> str:
    """Who runs the command, as the audit log records it ("cli" when the system has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _backup_through(server: str, token: str | None, target: Path) -> Manifest:
    """Ask the server for a backup, then move it from its data dir to ``target``."""
    if target.exists() and any(target.iterdir()):
        raise InvalidInput("target", f"{target} is not an empty folder")
    answer = httpx.post(
        f"{server.rstrip('/')}/api/v1/admin/backup",
        headers={"Authorization": f"Bearer {token or ''}"},
        timeout=600,
    )
    if answer.status_code != 201:
        raise InvalidInput("server", f"backup refused ({answer.status_code}): {answer.text}")
    made = Path(answer.json()["path"])
    if target.exists():
        target.rmdir()
    shutil.move(made, target)
    return read_manifest(target)


def _show(manifest: Manifest, folder: Path, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"folder": str(folder), **json.loads(manifest.to_json())}))
        return
    events = manifest.counts.get("events.events", 0)
    console.print(f"{folder}: {events} events, made {manifest.created_at}")
