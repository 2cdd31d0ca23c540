"""Secret API tokens over HTTP (admins): create, list, revoke.

A revoked token is refused at once by every process: ``web/auth.py`` (KeyRing) looks secret
tokens up on each request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from launchloop.knowledge.projects import list_tokens, revoke_token
from launchloop.knowledge.roles import require_role
from launchloop.knowledge.teams import create_role_token
from launchloop.web.api.knowledge import CallerDep, NewToken, Public, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])


class TokenCreate(BaseModel):
    """A new secret token: a label and the role it acts with."""

    label: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "contributor", "decider", "admin"] = "contributor"


class TokenPublic(Public):
    """A secret token as listed: never the token itself, only what it is for."""

    id: int
    label: str
    role: str
    member_id: int | None
    created_at: datetime
    revoked_at: datetime | None


@router.get("/tokens", response_model=list[TokenPublic], summary="Secret tokens")
def get_tokens(request: Request, caller: CallerDep) -> list[TokenPublic]:
    """The project's secret tokens, newest first, revoked ones included (admin)."""
    require_role(caller, "admin", "listing tokens")
    with transaction(request) as session:
        return [TokenPublic.model_validate(t) for t in list_tokens(session, caller.project_id)]


@router.post("/tokens", response_model=NewToken, status_code=201, summary="Create a token")
def post_token(request: Request, caller: CallerDep, body: TokenCreate) -> NewToken:
    """A new secret token with a role; shown once (admin)."""
    with transaction(request) as session:
        return NewToken(token=create_role_token(session, caller, **body.model_dump()))


@router.delete("/tokens/{token_id}", response_model=TokenPublic, summary="Revoke a token")
def delete_token(request: Request, caller: CallerDep, token_id: int) -> TokenPublic:
    """Revoke a secret token (admin); refused at once, ingestion included."""
    with transaction(request) as session:
        revoked = TokenPublic.model_validate(revoke_token(session, caller, token_id))
    request.app.state.keys.forget()  # after the commit: a lookup now reads the revocation
    return revoked
