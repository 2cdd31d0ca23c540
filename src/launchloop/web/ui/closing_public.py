"""Public pages, no sign-in (issue 11): unsubscribe links, a project's changelog and Atom feed.

They show titles, counts and dates only: never an author, an email or a distinct id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from launchloop.closing.changelog import atom_feed, public_changelog
from launchloop.closing.preferences import project_name
from launchloop.closing.unsubscribe import opt_out_by_token
from launchloop.errors import NotFound
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import database_of

router = APIRouter(include_in_schema=False)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """Follow an unsubscribe link: the address is never contacted by the project again."""
    try:
        with database_of(request).session() as session:
            project_id, address = opt_out_by_token(session, token)
            context = {"address": address, "project": project_name(session, project_id)}
    except NotFound:
        return render(request, "unsubscribed.html", {"address": None}, status=404)
    return render(request, "unsubscribed.html", context)


@router.get("/changelog/{project_id}.atom")
def changelog_feed(request: Request, project_id: int) -> Response:
    """The changelog as an Atom feed (404 unless the project published it)."""
    with database_of(request).session() as session:
        changelog = public_changelog(session, project_id)
    public_url = request.app.state.runtime.settings.public_url
    return Response(atom_feed(changelog, public_url), media_type="application/atom+xml")


@router.get("/changelog/{project_id}", response_class=HTMLResponse)
def changelog_page(request: Request, project_id: int) -> HTMLResponse:
    """What the project shipped, how many users asked for each change, and when."""
    with database_of(request).session() as session:
        changelog = public_changelog(session, project_id)
    return render(request, "changelog.html", {"changelog": changelog})
