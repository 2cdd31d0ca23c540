"""Operations over HTTP (issue 12): a consistent backup made inside the serving process.

DuckDB lets one process open the event store, so while ``launchloop serve`` runs only the
server can read it: ``launchloop backup DIR --server URL`` asks it here, then moves the folder.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from launchloop.backup import backup_into_data_dir
from launchloop.knowledge.audit import record_act
from launchloop.knowledge.roles import require_role
from launchloop.web.api.knowledge import CallerDep

router = APIRouter(prefix="/api/v1/admin", tags=["operations"])


class BackupPublic(BaseModel):
    """Where the server wrote the backup, and its manifest."""

    path: str
    format: int
    launchloop_version: str
    duckdb_version: str
    sqlite_version: str
    created_at: str
    counts: dict[str, int]
    files: dict[str, str]


@router.post("/backup", response_model=BackupPublic, status_code=201, summary="Back up")
def post_backup(request: Request, caller: CallerDep) -> BackupPublic:
    """Back up the embedded data dir into ``<data dir>/backups/<time>`` (admin)."""
    require_role(caller, "admin", "backing up the data dir")
    runtime = request.app.state.runtime
    target, manifest = backup_into_data_dir(runtime.settings, runtime.store)
    with runtime.database.session() as session:
        record_act(
            session, caller, "backup", "backup", {"path": target.name, "counts": manifest.counts}
        )
    return BackupPublic(path=str(target.resolve()), **manifest.__dict__)
