"""Launches and their KPIs (the definitions the analytics evaluate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Launch(ProjectRecord, Base):
    """What was shipped and when, with its hypotheses."""

    __tablename__ = "launches"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    hypotheses: Mapped[list[str]] = mapped_column(JSON, default=list)


class Kpi(ProjectRecord, Base):
    """A named metric over events or feedback, with an owner team, a target and a direction."""

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    #: The analytics definition (events, filters, steps...), as the analytics module reads it.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    launch_id: Mapped[int | None] = mapped_column(
        ForeignKey("launches.id", ondelete="SET NULL"), default=None
    )
    owner_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    target: Mapped[float | None] = mapped_column(Float, default=None)
    #: "up" when higher is better, "down" when lower is better.
    direction: Mapped[str] = mapped_column(String(8), default="up")
