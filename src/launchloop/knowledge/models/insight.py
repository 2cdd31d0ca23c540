"""Insights: formal statements of what is known, with typed evidence, teams and tags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from launchloop.knowledge.models.base import Base, Timestamped, utcnow
from launchloop.knowledge.models.record import ProjectRecord
from launchloop.knowledge.models.team import Team

insight_teams = Table(
    "insight_teams",
    Base.metadata,
    Column("insight_id", ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Insight(ProjectRecord, Base):
    """What is known, why we believe it (evidence), who it concerns, and how fresh it is."""

    __tablename__ = "insights"

    statement: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: Computed from the evidence (see ``knowledge/confidence.py``), kept for sorting.
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    launch_id: Mapped[int | None] = mapped_column(
        ForeignKey("launches.id", ondelete="SET NULL"), default=None
    )
    validated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    review_by: Mapped[date | None] = mapped_column(Date, default=None)
    teams: Mapped[list[Team]] = relationship(secondary=insight_teams, order_by=Team.id)
    tag_rows: Mapped[list[InsightTag]] = relationship(
        cascade="all, delete-orphan", order_by="InsightTag.tag"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="insight", cascade="all, delete-orphan", order_by="Evidence.id"
    )

    @property
    def tags(self) -> list[str]:
        """The insight's tags, sorted."""
        return [row.tag for row in self.tag_rows]

    @property
    def team_ids(self) -> list[int]:
        """Ids of the teams concerned."""
        return [team.id for team in self.teams]


class InsightTag(Base):
    """One tag of an insight."""

    __tablename__ = "insight_tags"

    insight_id: Mapped[int] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class Evidence(Timestamped, Base):
    """A typed link from an insight to what supports (or contradicts) it.

    kind: ``signal`` (signal_id), ``query`` (a saved query and its figure at capture time),
    ``feedback`` (a feedback item id and/or a quote), ``learning`` (learning_id).
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(200), default="")
    supports: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signals.id", ondelete="SET NULL"), default=None
    )
    learning_id: Mapped[int | None] = mapped_column(
        ForeignKey("learnings.id", ondelete="SET NULL"), default=None
    )
    feedback_id: Mapped[str | None] = mapped_column(String(64), default=None)
    quote: Mapped[str | None] = mapped_column(Text, default=None)
    query: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    figure: Mapped[float | None] = mapped_column(Float, default=None)
    figure_label: Mapped[str] = mapped_column(String(200), default="")
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The figure the saved query gave at the last re-validation.
    last_figure: Mapped[float | None] = mapped_column(Float, default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    insight: Mapped[Insight] = relationship(back_populates="evidence")
