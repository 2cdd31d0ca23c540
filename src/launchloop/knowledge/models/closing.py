"""Closing the loop with users (issue 11): triage of feedback, messages to authors, opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base, utcnow


class ClosingSettings(Base):
    """A project's choices: send author messages without review, publish the changelog."""

    __tablename__ = "closing_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    auto_send: Mapped[bool] = mapped_column(Boolean, default=False)
    changelog_public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Signs the unsubscribe links of the project's messages (HMAC-SHA256).
    token_secret: Mapped[str] = mapped_column(String(64))


class FeedbackTriage(Base):
    """A feedback item's triage state, and the item it duplicates once merged."""

    __tablename__ = "feedback_triage"

    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: new, read, linked, done or spam.
    state: Mapped[str] = mapped_column(String(10), default="new")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_items.id", ondelete="SET NULL"), default=None, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboxVisit(Base):
    """When a person last opened a project's feedback inbox."""

    __tablename__ = "inbox_visits"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthorOptOut(Base):
    """An author address that asked not to be contacted by the project."""

    __tablename__ = "author_opt_outs"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthorMessage(Base):
    """One message to one author about the changes their feedback led to."""

    __tablename__ = "author_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: pending (waits for review), sent, failed or withheld (the author opted out meanwhile).
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    #: The changes (shipped actions) it announces: ``["action:3", "action:5"]``.
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ChangeNotice(Base):
    """That an address was told (or is about to be) of one change: never twice."""

    __tablename__ = "change_notices"
    __table_args__ = (UniqueConstraint("project_id", "address", "change"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(320))
    change: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("author_messages.id", ondelete="CASCADE"), index=True
    )
