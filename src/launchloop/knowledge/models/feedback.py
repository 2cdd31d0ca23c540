"""Feedback items (tickets, NPS/CSAT answers, in-app comments, reviews, observations) and themes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base, Timestamped, utcnow


class Theme(Timestamped, Base):
    """A group of feedback items about one thing, named by its distinctive words."""

    __tablename__ = "feedback_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: True once a person renamed it: refreshes keep the name.
    named_by_person: Mapped[bool] = mapped_column(Boolean, default=False)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The most representative items: ``[{"id": ..., "text": ...}]``.
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Mean unit vector of its items (float32 bytes) in the space of ``embedder``.
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedder: Mapped[str] = mapped_column(String(40), default="")
    #: A new item joins when its cosine to the centroid reaches this (incremental assignment).
    min_similarity: Mapped[float] = mapped_column(Float, default=1.0)
    size: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackItem(Timestamped, Base):
    """One qualitative record; ``author`` is the person's distinct_id or email when known."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        UniqueConstraint("project_id", "source", "external_id"),
        Index("ix_feedback_items_project_time", "project_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: support_ticket, nps, csat, in_app, review or observation.
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    #: Where it came from: api, widget, zendesk, intercom, freshdesk, csv, cli ...
    source: Mapped[str] = mapped_column(String(40), default="api")
    channel: Mapped[str] = mapped_column(String(80), default="")
    author: Mapped[str | None] = mapped_column(String(320), default=None, index=True)
    page: Mapped[str | None] = mapped_column(String(2000), default=None)
    feature: Mapped[str | None] = mapped_column(String(200), default=None)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The id in the help desk or the sender's system; a re-import of it is skipped.
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    sentiment: Mapped[str] = mapped_column(String(10), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_themes.id", ondelete="SET NULL"), default=None, index=True
    )
    #: The item's unit vector (float32 bytes) and the embedder that made it.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedder: Mapped[str] = mapped_column(String(40), default="")
