"""The themes view: field feedback's themes ranked as irritants, with trends, quotes, the
persons behind them (active, paying), where they dropped in a funnel and the pages they name
(issue 6, "Page")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from launchloop.errors import InvalidInput, NotFound
from launchloop.feedback.behaviour import PayingRule
from launchloop.feedback.irritants import Irritant, parse_period, project_funnel, rank_irritants
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
PERIODS = ("24h", "7d", "4w")


@router.get("/app/{project_id}/themes", response_class=HTMLResponse)
def themes_page(
    request: Request, access: InProject, period: str = "7d", funnel: str | None = None
) -> HTMLResponse:
    """The project's irritants over ``period`` (7d by default)."""
    runtime = request.app.state.runtime
    settings = runtime.settings
    problem: str | None = None
    irritants: list[Irritant] = []
    with database_of(request).session() as session:
        try:
            irritants = rank_irritants(
                session,
                project_id=access.project.id,
                period=parse_period(period),
                store=runtime.store,
                funnel=project_funnel(session, access.project.id, funnel or None),
                paying=PayingRule.of(settings.paying_property, settings.free_plan_values),
            )
        except (InvalidInput, NotFound) as refused:
            problem = str(refused)
        context = {
            "irritants": irritants,
            "period": period,
            "periods": PERIODS,
            "funnel": funnel or "",
            "problem": problem,
        }
        return render(request, "themes.html", context)
