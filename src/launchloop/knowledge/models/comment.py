"""Comments on any knowledge item, by any team."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Comment(ProjectRecord, Base):
    """A remark on an item (insight, action, experiment, learning, signal, launch)."""

    __tablename__ = "comments"

    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
