"""Who is calling: the project behind a public key or a secret token.

Public ingestion keys never change, so their answers are remembered :data:`_TTL` seconds (the
hot ingestion path). Secret tokens can be revoked, so every request looks them up: one query
on the unique index of their SHA-256 — a revocation is refused at once by every process that
serves the database, however many there are.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Annotated

from fastapi import Depends, Request

from launchloop.errors import Unauthorized
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import SECRET_PREFIX, project_for_public_key, project_for_token
from launchloop.web.ratelimit import RateLimiter

_TTL = 30.0


class KeyRing:
    """Resolves keys and tokens to project ids; remembers public keys only, for a few seconds."""

    def __init__(self, database: Database, limiter: RateLimiter | None = None) -> None:
        self.database = database
        self.limiter = limiter
        self._public: dict[str, tuple[int, float]] = {}

    def public(self, key: str | None) -> int:
        """The project of a public ingestion key (or a secret token), within its rate limit."""
        if not key:
            raise Unauthorized("an API key is required")
        project_id = self.secret(key) if key.startswith(SECRET_PREFIX) else self._public_key(key)
        if self.limiter is not None:
            self.limiter.take(key)
        return project_id

    def secret(self, token: str | None) -> int:
        """The project of a secret API token, read from the database (revocation is immediate)."""
        if not token:
            raise Unauthorized("an API key is required")
        with self.database.session() as session:
            return project_for_token(session, token)

    def forget(self) -> None:
        """Drop every remembered answer."""
        self._public.clear()

    def _public_key(self, key: str) -> int:
        hit = self._public.get(key)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        with self.database.session() as session:
            project_id = project_for_public_key(session, key)
        self._public[key] = (project_id, time.monotonic() + _TTL)
        return project_id


def header_key(request: Request) -> str | None:
    """The key in ``Authorization``: ``Bearer KEY`` or Basic with KEY as the user name."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed basic authorization header") from None
        return user or None
    return None


def secret_project(request: Request) -> int:
    """Dependency: the project of the secret token in the Authorization header."""
    keys: KeyRing = request.app.state.keys
    return keys.secret(header_key(request))


SecretProject = Annotated[int, Depends(secret_project)]
