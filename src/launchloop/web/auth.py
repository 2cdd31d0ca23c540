"""Who is calling: the project behind a public key or a secret token (cached for ingestion).

The cache keeps an answer :data:`_TTL` seconds. Revoking a token through this process (API or
web app) empties it at once; another process serving the same database (scale-out web workers)
keeps accepting a token it had already seen for at most :data:`_TTL` seconds after revocation.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Annotated

from fastapi import Depends, Request

from launchloop.errors import Unauthorized
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import project_for_public_key, project_for_token
from launchloop.web.ratelimit import RateLimiter

_TTL = 30.0


class KeyRing:
    """Resolves keys and tokens to project ids, remembering answers for a few seconds."""

    def __init__(self, database: Database, limiter: RateLimiter | None = None) -> None:
        self.database = database
        self.limiter = limiter
        self._known: dict[tuple[str, str], tuple[int, float]] = {}

    def public(self, key: str | None) -> int:
        """The project of a public ingestion key (or a secret token), within its rate limit."""
        project_id = self._lookup("public", key)
        if self.limiter is not None and key:
            self.limiter.take(key)
        return project_id

    def secret(self, token: str | None) -> int:
        """The project of a secret API token."""
        return self._lookup("secret", token)

    def forget(self) -> None:
        """Drop every remembered answer (after a token is revoked: its refusal is immediate)."""
        self._known.clear()

    def _lookup(self, kind: str, key: str | None) -> int:
        if not key:
            raise Unauthorized("an API key is required")
        hit = self._known.get((kind, key))
        if hit and hit[1] > time.monotonic():
            return hit[0]
        finder = project_for_public_key if kind == "public" else project_for_token
        with self.database.session() as session:
            project_id = finder(session, key)
        self._known[(kind, key)] = (project_id, time.monotonic() + _TTL)
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
