"""Draft insights in the insights list: their grouped evidence, and one-click validate / dismiss.

A dismissal retires the draft without validating it; detection remembers it (a retired,
never-validated draft about a subject gets no new draft, ``detect/drafting.py``), so the same
signal does not come back (issue 8, "Page").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.insights import change_insight_status, get_insight
from launchloop.knowledge.models import Insight, Signal
from launchloop.web.ui.rendering import flash
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
QUOTES = 3


@dataclass(frozen=True)
class DraftEvidence:
    """One signal a draft cites: what it says, and the users' words it carries."""

    signal_id: int
    kind: str
    text: str
    quotes: tuple[str, ...]


def quotes_of(payload: dict[str, Any]) -> tuple[str, ...]:
    """The feedback quotes a detected signal carries (a theme's, or the dropped persons')."""
    found = list(payload.get("quotes") or [])
    dropped = payload.get("dropped_feedback")
    if isinstance(dropped, dict):
        found += dropped.get("quotes") or []
    unique = dict.fromkeys(str(q) for q in found if q)
    return tuple(unique)[:QUOTES]


def draft_evidence(session: Session, insights: Sequence[Insight]) -> dict[int, list[DraftEvidence]]:
    """For each draft of ``insights``, the signals it cites, in the order they were cited."""
    grouped: dict[int, list[DraftEvidence]] = {}
    for insight in insights:
        if insight.status != "draft":
            continue
        pieces, shown = [], set[str]()
        for piece in insight.evidence:
            signal = session.get(Signal, piece.signal_id) if piece.signal_id else None
            if signal is not None and signal.project_id == insight.project_id:
                # A quote two signals carry (a theme's, the dropped persons') is shown once.
                quotes = tuple(q for q in quotes_of(signal.payload or {}) if q not in shown)
                shown.update(quotes)
                pieces.append(DraftEvidence(signal.id, signal.kind, signal.text, quotes))
        grouped[insight.id] = pieces
    return grouped


def _decide(request: Request, access: InProject, insight_id: int, status: str) -> RedirectResponse:
    try:
        with database_of(request).session() as session:
            if get_insight(session, access.project.id, insight_id).status != "draft":
                raise InvalidInput("status", "only a draft is validated or dismissed from the list")
            change_insight_status(session, access.caller, insight_id, status)
        flash(request, f"#{insight_id} → {status}")
    except (InvalidInput, Forbidden) as refused:
        flash(request, str(refused))
    return RedirectResponse(f"/app/{access.project.id}/insights?status=draft", status_code=303)


@router.post("/app/{project_id}/insights/{insight_id}/validate")
def validate_draft(request: Request, access: InProject, insight_id: int) -> RedirectResponse:
    """Validate a draft from the list, and come back to the drafts."""
    return _decide(request, access, insight_id, "validated")


@router.post("/app/{project_id}/insights/{insight_id}/dismiss")
def dismiss_draft(request: Request, access: InProject, insight_id: int) -> RedirectResponse:
    """Dismiss a draft (retired, never validated: detection will not draft it again)."""
    return _decide(request, access, insight_id, "retired")
