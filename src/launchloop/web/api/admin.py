"""Operations over HTTP (issue 12): a consistent backup made inside the serving process.

DuckDB lets one process open the event store, so while ``launchloop serve`` runs only the
server can read it: ``launchloop backup DIR --server URL`` asks it here, then moves the folder.
A backup copies every project of the instance, so it is an instance operator's right: the
token must be an operator token (the instance's first, or one made with
``launchloop project token create --operator``), not merely a project admin's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from launchloop.backup import backup_into_data_dir, record_backup
from launchloop.errors import Forbidden
from launchloop.knowledge.projects import is_operator_token
from launchloop.web.api.knowledge import CallerDep
from launchloop.web.auth import header_key

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


def require_operator(request: Request) -> None:
    """Forbidden unless the request's token is an instance operator's token."""
    with request.app.state.runtime.database.session() as session:
        if not is_operator_token(session, header_key(request)):
            raise Forbidden("backing up the instance needs an instance operator's token")


@router.post("/backup", response_model=BackupPublic, status_code=201, summary="Back up")
def post_backup(request: Request, caller: CallerDep) -> BackupPublic:
    """Back up the embedded data dir into ``<data dir>/backups/<time>`` (instance operator).

    Logged in the audit log of every project, since the backup holds them all.
    """
    require_operator(request)
    runtime = request.app.state.runtime
    target, manifest = backup_into_data_dir(runtime.settings, runtime.store)
    record_backup(runtime.database, caller.author, "api", target, manifest)
    return BackupPublic(path=str(target.resolve()), **manifest.__dict__)
