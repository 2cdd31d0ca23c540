"""Projects and their keys: create them, and find the project behind a key or token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, Unauthorized
from launchloop.knowledge.models import ApiToken, Project

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
    """Create a project with a public ingestion key and a first secret token."""
    if not name.strip():
        raise InvalidInput("name", "must not be empty")
    project = Project(
        name=name.strip(),
        time_zone=time_zone,
        public_key=PUBLIC_PREFIX + secrets.token_urlsafe(24),
    )
    session.add(project)
    session.flush()
    token = create_token(session, project_id=project.id)
    return NewProject(project.id, project.name, project.public_key, token)


def create_token(session: Session, *, project_id: int, label: str = "default") -> str:
    """Create a secret API token for a project and return it (it is stored hashed)."""
    token = SECRET_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(project_id=project_id, label=label, token_hash=hash_token(token)))
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


def list_projects(session: Session) -> list[Project]:
    """Every project, oldest first."""
    return list(session.scalars(select(Project).order_by(Project.id)))
