"""Survey rules for the in-app widget (issue 10): read with the public key, from the settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from launchloop.feedback.surveys import project_surveys
from launchloop.web.auth import KeyRing, header_key

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.get("/surveys", summary="Survey rules for the widget (public key)")
def get_surveys(request: Request, api_key: str | None = None) -> list[dict[str, Any]]:
    """The NPS and CSAT survey rules of the key's project (``[[surveys]]`` in launchloop.toml)."""
    keys: KeyRing = request.app.state.keys
    project_id = keys.public(header_key(request) or api_key)
    settings = request.app.state.runtime.settings
    return [rule.public() for rule in project_surveys(settings.surveys, project_id)]
