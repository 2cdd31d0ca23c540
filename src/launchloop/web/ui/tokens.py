"""Glue for the API keys page: list and revoke a project's secret tokens.

Revocation belongs beside ``create_token`` in ``knowledge/projects.py``; it lives here until the
knowledge base has it (reported in issue 5's work).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import NotFound
from launchloop.knowledge.models import ApiToken, utcnow
from launchloop.knowledge.roles import Caller, require_role


def list_tokens(session: Session, project_id: int) -> list[ApiToken]:
    """The project's secret tokens (hashes only), newest first, revoked ones included."""
    query = select(ApiToken).where(ApiToken.project_id == project_id)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(session: Session, caller: Caller, token_id: int) -> ApiToken:
    """Revoke one of the project's secret tokens; admins only; revoking twice keeps the date."""
    require_role(caller, "admin", "revoking a token")
    token = session.get(ApiToken, token_id)
    if token is None or token.project_id != caller.project_id:
        raise NotFound(f"no token {token_id} in this project")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
