"""Learnings: the capitalized outcome of an evaluated action or a decided experiment."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Learning(ProjectRecord, Base):
    """What was tried, in which context, measured vs expected impact, decision, generalize."""

    __tablename__ = "learnings"

    title: Mapped[str] = mapped_column(String(300))
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="SET NULL"), default=None
    )
    experiment_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), default=None
    )
    tried: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    expected_change: Mapped[float | None] = mapped_column(Float, default=None)
    measured_change: Mapped[float | None] = mapped_column(Float, default=None)
    decision: Mapped[str] = mapped_column(String(20))
    generalize: Mapped[bool] = mapped_column(Boolean, default=False)
