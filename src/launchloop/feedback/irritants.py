"""Irritants: themes ranked by volume over a period, with trend, negativity and persons affected.

"Submit button gives no feedback — 18 items this period (x3), 74% negative, 12 persons." The
persons are distinct people, not distinct authors: two distinct ids merged by identify/alias
in the event store count once. Funnel-step links come with the detectors (issue 6, later).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.feedback.themes import list_themes
from launchloop.knowledge.models import FeedbackItem, utcnow
from launchloop.store.base import EventStore

_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Irritant:
    """One theme's figures over a period and the one before it."""

    theme_id: int
    name: str
    words: list[str]
    quotes: list[dict[str, Any]]
    volume: int
    previous_volume: int
    negative: int
    persons: int
    pages: list[str] = field(default_factory=list)

    @property
    def trend(self) -> float | None:
        """Volume this period over the previous one (None when the previous had none)."""
        return round(self.volume / self.previous_volume, 2) if self.previous_volume else None

    @property
    def share_negative(self) -> float | None:
        """The share of this period's items that are negative (None without items)."""
        return round(self.negative / self.volume, 4) if self.volume else None


def parse_period(text: str) -> timedelta:
    """A period like "24h", "7d" or "4w" as a timedelta."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InvalidInput("period", f"{text!r} is not like 24h, 7d or 4w")
    period = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if period > timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput("period", f"is longer than {MAX_PERIOD_DAYS} days")
    return period


def rank_irritants(
    session: Session,
    *,
    project_id: int,
    period: timedelta,
    now: datetime | None = None,
    store: EventStore | None = None,
) -> list[Irritant]:
    """Themes with items in the period, by volume, then share negative, then id.

    :param store: the event store that resolves authors to persons; without it each distinct
        author counts as one person.
    """
    end = now or utcnow()
    start, previous_start = end - period, end - 2 * period
    rows = session.execute(
        select(
            FeedbackItem.theme_id,
            FeedbackItem.observed_at,
            FeedbackItem.sentiment,
            FeedbackItem.author,
            FeedbackItem.page,
        ).where(
            FeedbackItem.project_id == project_id,
            FeedbackItem.theme_id.is_not(None),
            FeedbackItem.observed_at >= previous_start,
            FeedbackItem.observed_at < end,
        )
    ).all()
    ranked = [
        _irritant(theme, [r for r in rows if r.theme_id == theme.id], start, project_id, store)
        for theme in list_themes(session, project_id)
    ]
    ranked = [irritant for irritant in ranked if irritant.volume]
    ranked.sort(key=lambda i: (-i.volume, -(i.share_negative or 0), i.theme_id))
    return ranked


def _irritant(
    theme: Any, rows: Sequence[Any], start: datetime, project_id: int, store: EventStore | None
) -> Irritant:
    current = [row for row in rows if _aware(row.observed_at) >= start]
    authors = {row.author for row in current if row.author}
    pages = sorted({row.page for row in current if row.page})
    return Irritant(
        theme_id=theme.id,
        name=theme.name,
        words=list(theme.words),
        quotes=list(theme.quotes),
        volume=len(current),
        previous_volume=len(rows) - len(current),
        negative=sum(row.sentiment == "negative" for row in current),
        persons=count_persons(authors, project_id, store),
        pages=pages,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count_persons(authors: set[str], project_id: int, store: EventStore | None) -> int:
    """How many distinct persons wrote: authors merged into one person count once."""
    if store is None:
        return len(authors)
    persons = set()
    for author in authors:
        person = store.person(project_id, author)
        persons.add(str(person["person_id"]) if person else f"author:{author}")
    return len(persons)
