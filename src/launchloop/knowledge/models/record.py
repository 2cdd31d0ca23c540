"""The columns every knowledge record of a project shares: id, project, author, times."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Timestamped


class ProjectRecord(Timestamped):
    """A record owned by one project and written by one author (a member or a token label)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(200), default="")
