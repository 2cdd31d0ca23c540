"""Privacy over HTTP (issue 12): erase a person; read the audit log (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from launchloop.knowledge.audit import AUDIT_ACTS, audit_log, audit_row
from launchloop.knowledge.roles import require_role
from launchloop.privacy import erase_person
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["privacy"])


class ErasurePublic(BaseModel):
    """What an erasure removed: counts only, and the hash the audit log keeps of the id."""

    distinct_id_sha256: str
    counts: dict[str, int]


class AuditRowPublic(BaseModel):
    """One row of the audit log: who did what to which item (or act), and when."""

    id: int
    at: str
    author: str
    item_kind: str
    item_id: int
    verb: str
    changes: dict[str, Any]


@router.delete(
    "/persons/{distinct_id:path}", response_model=ErasurePublic, summary="Erase a person"
)
def delete_person(
    request: Request,
    caller: CallerDep,
    distinct_id: str,
    delete_feedback_text: bool = Query(False, description="Delete their feedback items too."),
) -> ErasurePublic:
    """Erase a person's events, properties and feedback authorship (admin)."""
    store = request.app.state.runtime.store
    with transaction(request) as session:
        erasure = erase_person(
            session, store, caller, distinct_id, delete_feedback_text=delete_feedback_text
        )
    return ErasurePublic(distinct_id_sha256=erasure.distinct_id_sha256, counts=erasure.counts)


@router.get("/audit", response_model=list[AuditRowPublic], summary="Audit log")
def get_audit(
    request: Request,
    caller: CallerDep,
    act: str | None = Query(None, description=f"Only one kind: {', '.join(AUDIT_ACTS)}, ..."),
    limit: int = Query(200, ge=1, le=5000),
) -> list[AuditRowPublic]:
    """Who validated, decided, exported, backed up or erased what, newest first (admin)."""
    require_role(caller, "admin", "reading the audit log")
    with transaction(request) as session:
        rows = audit_log(session, caller.project_id, act=act, limit=limit)
        return [AuditRowPublic(**audit_row(row)) for row in rows]
