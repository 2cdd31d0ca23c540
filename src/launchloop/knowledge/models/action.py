"""Actions: backlog items born of validated insights, with a testable hypothesis."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Float, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.insight import Insight
from launchloop.knowledge.models.record import ProjectRecord

action_insights = Table(
    "action_insights",
    Base.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("insight_id", ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True),
)


class Action(ProjectRecord, Base):
    """An experiment, improvement or fix, with its hypothesis, impact KPI and priority."""

    __tablename__ = "actions"

    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    observation: Mapped[str] = mapped_column(Text, default="")
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    impact_kpi_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpis.id", ondelete="SET NULL"), default=None
    )
    baseline: Mapped[float | None] = mapped_column(Float, default=None)
    expected_change: Mapped[float | None] = mapped_column(Float, default=None)
    evaluation_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: Effort in person-weeks, entered by the team.
    effort: Mapped[float | None] = mapped_column(Float, default=None)
    owner_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    accepted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: The last RICE computation with its parts (see ``knowledge/priority.py``).
    priority: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    priority_score: Mapped[float | None] = mapped_column(Float, default=None)
    insights: Mapped[list[Insight]] = relationship(secondary=action_insights, order_by=Insight.id)

    @property
    def insight_ids(self) -> list[int]:
        """Ids of the insights the action stands on."""
        return [insight.id for insight in self.insights]
