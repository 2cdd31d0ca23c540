"""Knowledge base API: export and import of the whole knowledge base as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from launchloop.knowledge.audit import record_act
from launchloop.knowledge.export import export_knowledge, import_knowledge
from launchloop.knowledge.roles import require_role
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])


@router.get("/knowledge/export", summary="Export the knowledge base")
def get_export(request: Request, caller: CallerDep) -> dict[str, Any]:
    """Every table of the project's knowledge base as JSON (admin)."""
    require_role(caller, "admin", "exporting the knowledge base")
    with transaction(request) as session:
        document = export_knowledge(session, caller.project_id)
        record_act(session, caller, "export", "export", {"rows": _row_counts(document)})
        return document


def _row_counts(document: dict[str, Any]) -> dict[str, int]:
    """Rows per non-empty table of an export (what the audit log keeps of it)."""
    return {name: len(rows) for name, rows in document.get("tables", {}).items() if rows}


@router.post("/knowledge/import", status_code=201, summary="Import a knowledge base")
def post_import(request: Request, caller: CallerDep, document: dict[str, Any]) -> dict[str, int]:
    """Load an export into this project, which has no insights yet (admin); rows per table."""
    with transaction(request) as session:
        return import_knowledge(session, caller, document)
