"""Knowledge base API: export and import of the whole knowledge base as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from launchloop.knowledge.export import export_knowledge, import_knowledge
from launchloop.knowledge.roles import require_role
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])


@router.get("/knowledge/export", summary="Export the knowledge base")
def get_export(request: Request, caller: CallerDep) -> dict[str, Any]:
    """Every table of the project's knowledge base as JSON (admin)."""
    require_role(caller, "admin", "exporting the knowledge base")
    with transaction(request) as session:
        return export_knowledge(session, caller.project_id)


@router.post("/knowledge/import", status_code=201, summary="Import a knowledge base")
def post_import(request: Request, caller: CallerDep, document: dict[str, Any]) -> dict[str, int]:
    """Load an export into this project, which has no insights yet (admin); rows per table."""
    with transaction(request) as session:
        return import_knowledge(session, caller, document)
