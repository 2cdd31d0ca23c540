"""Routing and notifications (issue 9): subscriptions, preferences, the delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Subscription(ProjectRecord, Base):
    """A member or a team following a launch, a KPI or a tag.

    subject: ``"launch:<name>"``, ``"kpi:<name>"`` or ``"tag:<tag>"``.
    """

    __tablename__ = "subscriptions"

    subject: Mapped[str] = mapped_column(String(300))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None, index=True
    )


class NotificationPreference(ProjectRecord, Base):
    """How one member is told: a channel, where to, and how often (immediate, daily, weekly)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("member_id", "channel"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: ``email``, ``slack`` or ``webhook``.
    channel: Mapped[str] = mapped_column(String(20))
    #: An email address or a URL.
    address: Mapped[str] = mapped_column(String(2000))
    #: ``immediate``, ``daily`` or ``weekly``.
    cadence: Mapped[str] = mapped_column(String(20), default="daily")
    #: The shared secret that signs generic webhooks (HMAC-SHA256).
    secret: Mapped[str | None] = mapped_column(String(200), default=None)
    #: Until when the member has been told (the next notice starts after it).
    notified_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Delivery(ProjectRecord, Base):
    """One notice sent (or not) on one channel: the delivery log."""

    __tablename__ = "deliveries"

    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(2000))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    #: ``delivered`` or ``failed``.
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The receiver's last HTTP status, if any.
    last_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(Text, default="")
