"""Decisions taken at a ritual (issue 9), kept in the knowledge base."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class RitualDecision(ProjectRecord, Base):
    """One decision of a weekly, fortnightly or monthly ritual, with what it cites."""

    __tablename__ = "ritual_decisions"

    ritual: Mapped[str] = mapped_column(String(20), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    launch_id: Mapped[int | None] = mapped_column(
        ForeignKey("launches.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    #: What the decision stands on: ``"insight:3"``, ``"learning:2"``, ``"signal:9"``, ``"kpi:x"``.
    cites: Mapped[list[str]] = mapped_column(JSON, default=list)
