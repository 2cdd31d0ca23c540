"""A project's closing-the-loop choices: automatic sending, public changelog."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from launchloop.knowledge.models import ClosingSettings, Project
from launchloop.knowledge.roles import Caller, require_role


def closing_settings(session: Session, project_id: int) -> ClosingSettings:
    """The project's settings, created with safe defaults (review first, no changelog)."""
    found = session.get(ClosingSettings, project_id)
    if found is None:
        found = ClosingSettings(
            project_id=project_id,
            auto_send=False,
            changelog_public=False,
            token_secret=secrets.token_hex(32),
        )
        session.add(found)
        session.flush()
    return found


def set_closing_settings(
    session: Session,
    caller: Caller,
    *,
    auto_send: bool | None = None,
    changelog_public: bool | None = None,
) -> ClosingSettings:
    """Change whether messages go out without review and whether the changelog is public (admin)."""
    require_role(caller, "admin", "changing how users are told")
    found = closing_settings(session, caller.project_id)
    if auto_send is not None:
        found.auto_send = auto_send
    if changelog_public is not None:
        found.changelog_public = changelog_public
    session.flush()
    return found


def project_name(session: Session, project_id: int) -> str:
    """The project's name, as users see it in messages and on the changelog."""
    project = session.get(Project, project_id)
    return project.name if project else ""
