"""Fixtures of the knowledge tests: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from launchloop.knowledge.roles import Caller


@pytest.fixture(params=["sqlite", "postgresql"])
def kdb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated knowledge database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/k.db"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    database.migrate()
    yield database
    database.dispose()


def new_project(database: Database, name: str = "Product") -> int:
    """Create a project and return its id."""
    with database.session() as session:
        return create_project(session, name=name).id


def as_role(project_id: int, role: str, author: str | None = None) -> Caller:
    """A caller of ``project_id`` with ``role``."""
    return Caller(project_id, role, author or f"a {role}")
