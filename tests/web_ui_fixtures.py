"""Shared by the web app's tests: a user who is admin of the test project, CSRF tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.users import add_user_to_project, create_user

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    """A user who signs in."""

    email: str
    password: str
    name: str


def make_user(
    settings: Settings,
    project: NewProject | None,
    *,
    email: str = "ana@example.com",
    name: str = "Ana",
    role: str = "admin",
    language: str = "en",
) -> Person:
    """A user (with ``role`` in ``project`` when given) in the data dir of ``settings``."""
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        user = create_user(session, email=email, password=PASSWORD, name=name, language=language)
        if project is not None:
            add_user_to_project(session, user, project.id, role=role)
    database.dispose()
    return Person(email, PASSWORD, name)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)
