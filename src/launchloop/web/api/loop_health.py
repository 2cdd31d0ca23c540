"""Loop health over HTTP (issue 9)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from launchloop.loop.health import loop_health
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["loop"])


@router.get("/health/loop", summary="Loop health")
def get_loop_health(request: Request, caller: CallerDep) -> dict[str, Any]:
    """Month by month: days from first signal to validated insight, to action, to evaluation
    (median, p90); decisions citing knowledge; experiments started, complete, decided, shipped;
    evaluations on time and win rate; the share of validated insights past their review date;
    the knowledge-flow map between teams (who raises, validates, acts) and reuse rates."""
    with transaction(request) as session:
        return loop_health(session, caller.project_id).as_dict()
