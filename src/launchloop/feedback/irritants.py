"""Irritants: themes ranked by volume over a period, with trend, negativity and persons affected.

"Submit button gives no feedback — 18 items this period (x3), 74% negative, 12 persons, 9 of
them active and 4 paying; 9 dropped at step 'validation'; pages /form." The persons are distinct
people, not distinct authors: two distinct ids merged by identify/alias in the event store
count once. With an event store, each irritant also says how many of its persons were active
and pay, where they dropped in a funnel, and which known pages its items mention
(:mod:`launchloop.feedback.behaviour`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.config import Settings
from launchloop.errors import InvalidInput, NotFound
from launchloop.feedback.behaviour import (
    FunnelLink,
    PayingRule,
    Person,
    StepDrop,
    active_persons,
    funnel_dropouts,
    known_paths,
    mentioned_paths,
    resolve_persons,
)
from launchloop.feedback.themes import list_themes
from launchloop.knowledge.launches import catalog_of
from launchloop.knowledge.models import FeedbackItem, utcnow
from launchloop.store.base import EventStore

_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
MAX_PERIOD_DAYS = 3660
FUNNEL_KIND = "funnel_conversion"


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
    #: Persons with an event in the period, and those who pay (None without an event store).
    active: int | None = None
    paying: int | None = None
    #: The funnel the drops are read from, and the persons who dropped after each step.
    funnel: str | None = None
    drops: list[StepDrop] = field(default_factory=list)
    #: Known pages (seen in the events of the period) that the items name.
    mentioned_pages: list[str] = field(default_factory=list)

    @property
    def trend(self) -> float | None:
        """Volume this period over the previous one (None when the previous had none)."""
        return round(self.volume / self.previous_volume, 2) if self.previous_volume else None

    @property
    def share_negative(self) -> float | None:
        """The share of this period's items that are negative (None without items)."""
        return round(self.negative / self.volume, 4) if self.volume else None

    @property
    def worst_drop(self) -> StepDrop | None:
        """The funnel step after which most of the persons dropped (None when none did)."""
        worst = max(self.drops, key=lambda drop: drop.persons, default=None)
        return worst if worst is not None and worst.persons else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (the API's and the CLI's answer)."""
        return {
            "id": self.theme_id,
            "name": self.name,
            "words": self.words,
            "quotes": self.quotes,
            "volume": self.volume,
            "previous_volume": self.previous_volume,
            "trend": self.trend,
            "share_negative": self.share_negative,
            "persons": self.persons,
            "active": self.active,
            "paying": self.paying,
            "pages": self.pages,
            "mentioned_pages": self.mentioned_pages,
            "funnel": self.funnel,
            "drops": [asdict(drop) for drop in self.drops],
        }


def parse_period(text: str) -> timedelta:
    """A period like "24h", "7d" or "4w" as a timedelta."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InvalidInput("period", f"{text!r} is not like 24h, 7d or 4w")
    period = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if period > timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput("period", f"is longer than {MAX_PERIOD_DAYS} days")
    return period


def project_funnel(session: Session, project_id: int, name: str | None = None) -> FunnelLink | None:
    """The funnel KPI called ``name`` (:class:`NotFound` if none), else the project's first
    funnel KPI by name, else None: the funnel whose drops the irritants count."""
    funnels = [kpi for kpi in catalog_of(session, project_id).kpis if kpi.kind == FUNNEL_KIND]
    if name is None:
        return FunnelLink.of_kpi(funnels[0]) if funnels else None
    for kpi in funnels:
        if kpi.name == name:
            return FunnelLink.of_kpi(kpi)
    raise NotFound(f"no funnel KPI named {name!r} in this project")


@dataclass(frozen=True)
class _Behaviour:
    """What the event store says about the period: persons, active ones, pages, the funnel."""

    persons: dict[str, Person]
    active: set[str] | None = None
    paths: list[str] = field(default_factory=list)
    funnel: str | None = None
    dropouts: list[tuple[StepDrop, frozenset[str]]] = field(default_factory=list)
    paying: PayingRule = field(default_factory=PayingRule)


def rank_irritants(
    session: Session,
    *,
    project_id: int,
    period: timedelta,
    now: datetime | None = None,
    store: EventStore | None = None,
    funnel: FunnelLink | None = None,
    paying: PayingRule | None = None,
) -> list[Irritant]:
    """Themes with items in the period, by volume, then share negative, then id.

    :param store: the event store that resolves authors to persons and tells who was active,
        pays and dropped; without it each distinct author counts as one person.
    :param funnel: the funnel whose drops are counted per theme (with ``store``).
    :param paying: who counts as paying (default: person property ``plan`` not free).
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
            FeedbackItem.feature,
            FeedbackItem.text,
        ).where(
            FeedbackItem.project_id == project_id,
            FeedbackItem.theme_id.is_not(None),
            FeedbackItem.observed_at >= previous_start,
            FeedbackItem.observed_at < end,
        )
    ).all()
    current = [row for row in rows if _aware(row.observed_at) >= start]
    seen = _behaviour(current, project_id, store, start, end, funnel, paying or PayingRule())
    ranked = [
        _irritant(theme, [r for r in rows if r.theme_id == theme.id], start, seen)
        for theme in list_themes(session, project_id)
    ]
    ranked = [irritant for irritant in ranked if irritant.volume]
    ranked.sort(key=lambda i: (-i.volume, -(i.share_negative or 0), i.theme_id))
    return ranked


def _behaviour(
    current: Sequence[Any],
    project_id: int,
    store: EventStore | None,
    start: datetime,
    end: datetime,
    funnel: FunnelLink | None,
    paying: PayingRule,
) -> _Behaviour:
    persons = resolve_persons([r.author for r in current if r.author], project_id, store)
    if store is None:
        return _Behaviour(persons, paying=paying)
    unique = {person.key: person for person in persons.values()}.values()
    active = active_persons(store, project_id, unique, start, end)
    paths = known_paths(store, project_id, start, end)
    if funnel is None:
        return _Behaviour(persons, active, paths, paying=paying)
    dropouts = funnel_dropouts(store, project_id, funnel, start, end)
    return _Behaviour(persons, active, paths, funnel.name, dropouts, paying)


def _irritant(theme: Any, rows: Sequence[Any], start: datetime, seen: _Behaviour) -> Irritant:
    current = [row for row in rows if _aware(row.observed_at) >= start]
    persons = {seen.persons[r.author].key: seen.persons[r.author] for r in current if r.author}
    keys = set(persons)
    pages = sorted({row.page for row in current if row.page})
    fields = [value for row in current for value in (row.page, row.feature) if value]
    known = seen.active is not None  # an event store answered
    return Irritant(
        theme_id=theme.id,
        name=theme.name,
        words=list(theme.words),
        quotes=list(theme.quotes),
        volume=len(current),
        previous_volume=len(rows) - len(current),
        negative=sum(row.sentiment == "negative" for row in current),
        persons=len(keys),
        pages=pages,
        active=len(keys & seen.active) if seen.active is not None else None,
        paying=sum(seen.paying.pays(p.properties) for p in persons.values()) if known else None,
        funnel=seen.funnel,
        drops=[replace(drop, persons=len(keys & ids)) for drop, ids in seen.dropouts],
        mentioned_pages=mentioned_paths([row.text for row in current], fields, seen.paths),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rank_project_irritants(
    session: Session,
    *,
    project_id: int,
    period: timedelta,
    store: EventStore,
    settings: Settings,
    funnel_name: str | None = None,
) -> list[Irritant]:
    """:func:`rank_irritants` with the project's funnel KPI and the settings' paying rule."""
    return rank_irritants(
        session,
        project_id=project_id,
        period=period,
        store=store,
        funnel=project_funnel(session, project_id, funnel_name),
        paying=PayingRule.of(settings.paying_property, settings.free_plan_values),
    )
