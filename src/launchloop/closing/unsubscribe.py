"""Authors who asked not to be contacted, and the signed links they use to ask.

A token is ``<project>.<address, base64url>.<HMAC-SHA256>`` keyed by the project's secret:
following it needs no sign-in and cannot be forged for another address or project.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy.orm import Session

from launchloop.closing.erasure import hashed_address
from launchloop.closing.preferences import closing_settings
from launchloop.errors import NotFound
from launchloop.knowledge.models import AuthorOptOut, Project


def unsubscribe_token(session: Session, project_id: int, address: str) -> str:
    """The signed token that opts ``address`` out of the project's messages."""
    encoded = base64.urlsafe_b64encode(address.encode()).decode().rstrip("=")
    payload = f"{project_id}.{encoded}"
    return f"{payload}.{_signature(session, project_id, payload)}"


def opt_out_by_token(session: Session, token: str) -> tuple[int, str]:
    """Record the opt-out a token asks for: its project and address (NotFound if not genuine)."""
    project, _, rest = token.partition(".")
    encoded, _, signature = rest.partition(".")
    if not project.isdigit() or not encoded or not signature:
        raise NotFound("no such unsubscribe link")
    project_id = int(project)
    expected = _signature(session, project_id, f"{project_id}.{encoded}")
    if not hmac.compare_digest(expected, signature):
        raise NotFound("no such unsubscribe link")
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise NotFound("no such unsubscribe link") from None
    opt_out(session, project_id, address)
    return project_id, address


def opt_out(session: Session, project_id: int, address: str) -> None:
    """Never contact ``address`` again about this project."""
    key = address.strip().lower()
    if session.get(AuthorOptOut, (project_id, key)) is None:
        session.add(AuthorOptOut(project_id=project_id, address=key))
        session.flush()


def opted_out(session: Session, project_id: int, address: str) -> bool:
    """True when ``address`` asked not to be contacted (also once erased: kept as a hash)."""
    key = address.strip().lower()
    if session.get(AuthorOptOut, (project_id, key)) is not None:
        return True
    return session.get(AuthorOptOut, (project_id, hashed_address(project_id, key))) is not None


def _signature(session: Session, project_id: int, payload: str) -> str:
    if session.get(Project, project_id) is None:
        raise NotFound("no such unsubscribe link")
    secret = closing_settings(session, project_id).token_secret.encode()
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
