"""Signals: something worth a look, detected from the data or captured by a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base, utcnow
from launchloop.knowledge.models.record import ProjectRecord


class Signal(ProjectRecord, Base):
    """A KPI move, a funnel drop, a theme surge, a friction hot spot, or an observation."""

    __tablename__ = "signals"
    #: A detected episode is stored once per project, however many runs race (issue 8).
    __table_args__ = (
        Index("ix_signals_project_fingerprint", "project_id", "fingerprint", unique=True),
    )

    kind: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    launch_id: Mapped[int | None] = mapped_column(
        ForeignKey("launches.id", ondelete="SET NULL"), default=None
    )
    kpi_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpis.id", ondelete="SET NULL"), default=None
    )
    #: The data behind the signal (figures, series, the detector's numbers).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The saved query that shows it, if any.
    query: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    feedback_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: A detected finding's episode (``detect/findings.py``); None for observations.
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
