"""Projects and their keys: create them, and find the project behind a key or token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound, Unauthorized
from launchloop.knowledge.models import ApiToken, Project, utcnow

if TYPE_CHECKING:
    from launchloop.knowledge.roles import Caller

PUBLIC_PREFIX = "llpk_"
SECRET_PREFIX = "llsk_"


@dataclass(frozen=True)
class NewProject:
    """A project just created, with its keys (the secret token is shown only now)."""

    id: int
    name: str
    public_key: str
    secret_token: str


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a secret token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_project(session: Session, *, name: str, time_zone: str = "UTC") -> NewProject:
    """Create a project with a public ingestion key, a first secret token and the default teams.

    The instance's very first token (``launchloop init``, a fresh demo) is an operator token.
    """
    # teams and roles import this module (hash_token, create_token): import them when called.
    from launchloop.knowledge.teams import ensure_default_teams

    if not name.strip():
        raise InvalidInput("name", "must not be empty")
    project = Project(
        name=name.strip(),
        time_zone=time_zone,
        public_key=PUBLIC_PREFIX + secrets.token_urlsafe(24),
    )
    first = session.scalar(select(ApiToken.id).limit(1)) is None
    session.add(project)
    session.flush()
    token = create_token(session, project_id=project.id, operator=first)
    ensure_default_teams(session, project.id)
    return NewProject(project.id, project.name, project.public_key, token)


def create_token(
    session: Session, *, project_id: int, label: str = "default", operator: bool = False
) -> str:
    """Create a secret API token for a project and return it (it is stored hashed).

    :param operator: an instance operator's token (may back up the whole instance).
    """
    token = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(project_id=project_id, label=label, token_hash=hash_token(token))
    row.is_operator = operator
    session.add(row)
    session.flush()
    return token


def project_for_public_key(session: Session, key: str) -> int:
    """The project id of a public ingestion key (a secret token is accepted too)."""
    if key.startswith(SECRET_PREFIX):
        return project_for_token(session, key)
    project_id = session.scalar(select(Project.id).where(Project.public_key == key))
    if project_id is None:
        raise Unauthorized("unknown project key")
    return project_id


def project_for_token(session: Session, token: str) -> int:
    """The project id of a secret API token that has not been revoked."""
    project_id = session.scalar(
        select(ApiToken.project_id).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if project_id is None:
        raise Unauthorized("unknown or revoked API token")
    return project_id


def is_operator_token(session: Session, token: str | None) -> bool:
    """Whether ``token`` is an instance operator's token that has not been revoked."""
    if not token:
        return False
    return bool(
        session.scalar(
            select(ApiToken.is_operator).where(
                ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
            )
        )
    )


def list_projects(session: Session) -> list[Project]:
    """Every project, oldest first."""
    return list(session.scalars(select(Project).order_by(Project.id)))


def list_tokens(session: Session, project_id: int) -> list[ApiToken]:
    """The project's secret tokens (hashes only), newest first, revoked ones included."""
    query = select(ApiToken).where(ApiToken.project_id == project_id)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(session: Session, caller: Caller, token_id: int) -> ApiToken:
    """Revoke one of the project's secret tokens; admins only; revoking twice keeps the date.

    The database refuses the token at once; a process that caches tokens (``web/auth.py``
    KeyRing) must forget it too.
    """
    from launchloop.knowledge.roles import require_role

    require_role(caller, "admin", "revoking a token")
    token = session.get(ApiToken, token_id)
    if token is None or token.project_id != caller.project_id:
        raise NotFound(f"no token {token_id} in this project")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
