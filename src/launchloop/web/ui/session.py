"""Who is using the web app: the signed session cookie, the signed-in user, CSRF tokens.

The cookie is signed (itsdangerous, through Starlette's SessionMiddleware), HttpOnly and
SameSite=Lax; every form carries the session's CSRF token and a POST without it is refused.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from launchloop.config import Settings
from launchloop.errors import Forbidden, LaunchloopError
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import Project, User
from launchloop.knowledge.roles import Caller
from launchloop.knowledge.users import Membership, caller_for_user, memberships

SESSION_DAYS = 14
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(LaunchloopError):
    """A page that needs a signed-in user was asked for without one."""


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: the ``session_secret`` setting, else one kept in the data dir."""
    if configured := settings.session_secret.get_secret_value():
        return configured
    path = Path(settings.data_dir) / "session_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def database_of(request: Request) -> Database:
    """The knowledge database of the running app."""
    return request.app.state.runtime.database  # type: ignore[no-any-return]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_protected(request: Request) -> None:
    """Dependency: refuse an unsafe request whose form field or header lacks the CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        field = form.get("csrf_token")
        sent = field if isinstance(field, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Forbidden("the form's CSRF token is missing or stale; reload the page")


def start_session(request: Request, user_id: int) -> None:
    """Sign ``user_id`` in with a fresh session (a new CSRF token: no session fixation)."""
    language = request.session.get("lang")
    request.session.clear()
    request.session["user_id"] = user_id
    if language:
        request.session["lang"] = language
    csrf_token(request)


def end_session(request: Request) -> None:
    """Sign out: forget everything in the session."""
    request.session.clear()


def optional_user(request: Request) -> User | None:
    """The signed-in user, or None."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    with database_of(request).session() as session:
        return session.get(User, user_id)


def signed_in_user(request: Request) -> User:
    """Dependency: the signed-in user; SignInRequired (a redirect to sign-in) otherwise."""
    user = optional_user(request)
    if user is None:
        raise SignInRequired("sign in first")
    request.state.user = user
    return user


SignedIn = Annotated[User, Depends(signed_in_user)]


@dataclass(frozen=True)
class ProjectAccess:
    """The signed-in user in one project: the project, the caller acting as them, their projects."""

    user: User
    project: Project
    caller: Caller
    projects: tuple[Membership, ...]

    @property
    def is_admin(self) -> bool:
        """Whether the user administers this project."""
        return self.caller.role == "admin"


def project_access(request: Request, project_id: int, user: SignedIn) -> ProjectAccess:
    """Dependency: the user's access to ``project_id``; Forbidden for a non-member."""
    with database_of(request).session() as session:
        caller = caller_for_user(session, user.id, project_id)
        project = session.get(Project, project_id)
        if project is None:
            raise Forbidden(f"you are not a member of project {project_id}")
        mine = tuple(memberships(session, user.id))
    access = ProjectAccess(user, project, caller, mine)
    request.state.access = access
    return access


InProject = Annotated[ProjectAccess, Depends(project_access)]
