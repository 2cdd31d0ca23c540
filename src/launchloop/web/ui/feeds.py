"""The team feed pages (issue 9): one page per team, with what concerns it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from launchloop.knowledge.teams import ensure_default_teams
from launchloop.loop.feeds import ITEM_KINDS, find_team, team_feed
from launchloop.loop.team_briefs import team_brief
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
#: Where each kind of item opens.
ITEM_PAGES = {
    "signal": "signals",
    "draft_insight": "insights/{id}",
    "insight": "insights/{id}",
    "action": "backlog",
    "evaluation_due": "backlog",
}


@router.get("/app/{project_id}/feed")
def first_feed(request: Request, access: InProject) -> RedirectResponse:
    """The feed of the user's team, else of the first team."""
    with database_of(request).session() as session:
        teams = ensure_default_teams(session, access.project.id)
        team_id = teams[0].id
    return RedirectResponse(f"/app/{access.project.id}/teams/{team_id}/feed", status_code=303)


@router.get("/app/{project_id}/teams/{team_id}/feed", response_class=HTMLResponse)
def feed_page(request: Request, access: InProject, team_id: int) -> HTMLResponse:
    """A team's feed: evaluations due, new signals, drafts, insights for it, its actions."""
    with database_of(request).session() as session:
        teams = [(team.id, team.name) for team in ensure_default_teams(session, access.project.id)]
        feed = team_feed(session, access.project.id, team_id)
        team = find_team(session, access.project.id, team_id)
        brief = team_brief(session, access.project.id, team, now=datetime.now(UTC))
    sections = [(kind, feed.of_kind(kind)) for kind in ITEM_KINDS]
    context = {
        "feed": feed,
        "team_id": team_id,
        "teams": teams,
        "sections": sections,
        "pages": ITEM_PAGES,
        "brief": brief,
    }
    return render(request, "team_feed.html", context)
