"""A project's clock: its time zone and its local "today", for reading periods of days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.database import Database
from launchloop.knowledge.models.project import Project


def project_day(database: Database, project_id: int, until: str | None = None) -> tuple[date, str]:
    """The last day to read (``until`` as YYYY-MM-DD, else today locally) and the time zone."""
    time_zone = project_time_zone(database, project_id)
    if until is None:
        return datetime.now(ZoneInfo(time_zone)).date(), time_zone
    try:
        return date.fromisoformat(until), time_zone
    except ValueError:
        raise InvalidInput("until", "must be a date (YYYY-MM-DD)") from None


def project_time_zone(database: Database, project_id: int) -> str:
    """The project's IANA time zone (its local days are the days of every report)."""
    with database.session() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"no project with id {project_id}")
        return project.time_zone or "UTC"
