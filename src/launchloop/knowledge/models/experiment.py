"""Experiments of an action: variants, exposure, KPIs, decision and analysis snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from launchloop.knowledge.models.base import Base, Timestamped
from launchloop.knowledge.models.record import ProjectRecord


class Experiment(ProjectRecord, Base):
    """A controlled test of an action's hypothesis, and the decision taken on it."""

    __tablename__ = "experiments"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    #: ``[{"name": "control", "weight": 0.5}, ...]``
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    exposure_event: Mapped[str | None] = mapped_column(String(200), default=None)
    feature_flag: Mapped[str | None] = mapped_column(String(200), default=None)
    primary_kpi_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpis.id", ondelete="SET NULL"), default=None
    )
    guardrail_kpi_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    analyses: Mapped[list[ExperimentAnalysis]] = relationship(
        cascade="all, delete-orphan", order_by="ExperimentAnalysis.id"
    )


class ExperimentAnalysis(Timestamped, Base):
    """A snapshot of an experiment's analysis (frequentist, Bayesian, sequential, SRM)."""

    __tablename__ = "experiment_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
