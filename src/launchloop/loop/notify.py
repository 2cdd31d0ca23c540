"""Notifications (issue 9): per-person preferences, notices built from feeds, the delivery log.

Each member chooses channels (``email``, ``slack``, ``webhook``) and a cadence: ``immediate``
(every run of :func:`notify`), ``daily`` or ``weekly`` digests. A notice holds what reached the
member's feed since the last one that was delivered; one module per channel sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.config import Settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import choice, one, required_text
from launchloop.knowledge.models import Delivery, Member, NotificationPreference
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.loop.feeds import FeedItem, aware, build_feed, member_audience

CHANNELS: tuple[str, ...] = ("email", "slack", "webhook")
CADENCES: tuple[str, ...] = ("immediate", "daily", "weekly")
#: How far back a first digest of each cadence looks.
WINDOWS: dict[str, timedelta] = {
    "immediate": timedelta(days=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
}
#: Where each kind of feed item opens in the web app.
PAGES: dict[str, str] = {
    "signal": "signals",
    "draft_insight": "insights",
    "insight": "insights",
    "action": "backlog",
    "evaluation_due": "backlog",
}


@dataclass(frozen=True)
class Outbox:
    """How notices leave: the SMTP server and sender, the web app's address, retries."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    sender: str = "launchloop@localhost"
    public_url: str = "http://127.0.0.1:8000"
    attempts: int = 4
    backoff_s: float = 1.0

    @classmethod
    def of(cls, settings: Settings) -> Outbox:
        """The outbox the settings describe."""
        return cls(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.public_url
        )


@dataclass(frozen=True)
class NoticeLine:
    """One item of a notice, with the page that shows it."""

    kind: str
    title: str
    url: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    """What one member is told at once."""

    project_id: int
    title: str
    lines: tuple[NoticeLine, ...]

    def as_dict(self) -> dict[str, Any]:
        """The notice as JSON (the body of a generic webhook)."""
        return {
            "project_id": self.project_id,
            "title": self.title,
            "items": [
                {"kind": x.kind, "title": x.title, "url": x.url, "reasons": list(x.reasons)}
                for x in self.lines
            ],
        }


@dataclass(frozen=True)
class Sent:
    """How a channel's attempt went."""

    delivered: bool
    attempts: int = 1
    code: int | None = None
    error: str = ""


Sender = Callable[[Notice, NotificationPreference, Outbox], Sent]


def notice_of(project_id: int, title: str, items: list[FeedItem], public_url: str) -> Notice:
    """A notice listing ``items``, each with a link into the web app."""
    base = public_url.rstrip("/")
    lines = tuple(
        NoticeLine(
            item.kind,
            item.title,
            f"{base}/app/{project_id}/{PAGES[item.kind]}/{item.item_id}"
            if item.kind in ("draft_insight", "insight")
            else f"{base}/app/{project_id}/{PAGES[item.kind]}",
            item.reasons,
        )
        for item in items
    )
    return Notice(project_id, title, lines)


def set_preference(
    session: Session,
    caller: Caller,
    member_id: int,
    *,
    channel: str,
    address: str,
    cadence: str = "daily",
    secret: str | None = None,
) -> NotificationPreference:
    """Create or change how a member is told on one channel."""
    require_writer(caller, "changing notification preferences")
    one(session, Member, caller.project_id, member_id)
    choice(channel, CHANNELS, "channel")
    choice(cadence, CADENCES, "cadence")
    address = required_text(address, "address")
    if channel != "email" and not address.startswith(("http://", "https://")):
        raise InvalidInput("address", "a webhook address must be an http(s) URL")
    if channel == "webhook" and not secret:
        raise InvalidInput("secret", "a generic webhook needs a secret to sign its requests")
    row = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.member_id == member_id, NotificationPreference.channel == channel
        )
    ) or NotificationPreference(project_id=caller.project_id, member_id=member_id, channel=channel)
    row.author, row.address, row.cadence, row.secret = caller.author, address, cadence, secret
    session.add(row)
    session.flush()
    return row


def list_preferences(
    session: Session, project_id: int, member_id: int | None = None
) -> list[NotificationPreference]:
    """The project's notification preferences (of one member when given)."""
    query = select(NotificationPreference).where(NotificationPreference.project_id == project_id)
    if member_id is not None:
        query = query.where(NotificationPreference.member_id == member_id)
    return list(session.scalars(query.order_by(NotificationPreference.id)))


def notify(
    session: Session,
    project_id: int,
    cadence: str,
    outbox: Outbox,
    *,
    now: datetime | None = None,
) -> list[Delivery]:
    """Send every member of ``cadence`` what reached their feed since their last notice."""
    from launchloop.loop.channels import SENDERS  # the channels import this module's types

    choice(cadence, CADENCES, "cadence")
    now = aware(now) if now else datetime.now(UTC)
    deliveries = []
    for preference in list_preferences(session, project_id):
        if preference.cadence != cadence:
            continue
        since = aware(preference.notified_until or now - WINDOWS[cadence])
        notice = member_notice(session, preference, since, now, outbox.public_url)
        if notice is None:
            continue
        sent = SENDERS[preference.channel](notice, preference, outbox)
        deliveries.append(log_delivery(session, preference, notice, sent))
        if sent.delivered:
            preference.notified_until = now
    session.flush()
    return deliveries


def member_notice(
    session: Session,
    preference: NotificationPreference,
    since: datetime,
    now: datetime,
    public_url: str,
) -> Notice | None:
    """The notice of one member since ``since``; None when nothing new reached the feed."""
    audience = member_audience(session, preference.project_id, preference.member_id)
    feed = build_feed(session, preference.project_id, audience, since=since, today=now.date())
    # Open actions are work, not news; an evaluation counts from the day it falls due.
    items = [item for item in feed.items if item.kind != "action" and item.at >= since]
    if not items:
        return None
    title = f"launchloop: {len(items)} new for {audience.name} ({preference.cadence})"
    return notice_of(preference.project_id, title, items, public_url)


def log_delivery(
    session: Session, preference: NotificationPreference, notice: Notice, sent: Sent
) -> Delivery:
    """Write one row of the delivery log."""
    row = Delivery(
        project_id=preference.project_id,
        channel=preference.channel,
        address=preference.address,
        member_id=preference.member_id,
        subject=notice.title[:300],
        status="delivered" if sent.delivered else "failed",
        attempts=sent.attempts,
        last_code=sent.code,
        error=sent.error,
    )
    session.add(row)
    return row


def list_deliveries(session: Session, project_id: int, limit: int = 100) -> list[Delivery]:
    """The delivery log, newest first."""
    query = select(Delivery).where(Delivery.project_id == project_id)
    return list(session.scalars(query.order_by(Delivery.id.desc()).limit(limit)))
