"""What the authors of a theme did in the product, from the event store (issue 6, "Irritants").

Authors (distinct ids or emails) resolve to persons through the store, so an anonymous id and
the account it was merged into count once. From there: which persons were active (an event in
the period), which pay (a person property, :class:`PayingRule`), at which step of a funnel they
dropped (the analytics' dropped-persons list), and which of the product's pages the items
mention (the pages the events were seen on).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from launchloop.analytics.funnels import FunnelQuery, FunnelStep, dropped_persons
from launchloop.analytics.kpis import Kpi
from launchloop.analytics.timeframe import MAX_DAYS, DateRange
from launchloop.store.base import EventStore

#: Dropped persons read per funnel step (the rest are not matched against the authors).
MAX_DROPPED = 10_000
#: Distinct pages read from the events of the period to match mentions against.
MAX_KNOWN_PATHS = 2_000
#: A word of the text names a page when it is a page's last segment of this many letters or more.
MIN_SEGMENT_LETTERS = 4
_PATH_IN_TEXT = re.compile(r"(?<![\w/.:])/[\w\-./]*\w")
_WORD = re.compile(r"[\w\-]+")


@dataclass(frozen=True)
class PayingRule:
    """A person pays when ``property`` (a person property) holds a value not in ``free``.

    Values are compared trimmed and lower-cased; a missing property, null or false is free.
    """

    property: str = "plan"
    free: frozenset[str] = frozenset({"", "free", "none", "trial"})

    @classmethod
    def of(cls, prop: str, free: Iterable[str]) -> PayingRule:
        """The rule of the settings ``paying_property`` and ``free_plan_values``."""
        return cls(prop, frozenset(value.strip().lower() for value in free))

    def pays(self, properties: Mapping[str, Any]) -> bool:
        """Whether a person with these properties pays."""
        value = properties.get(self.property)
        if value is None or value is False:
            return False
        return str(value).strip().lower() not in self.free


@dataclass(frozen=True)
class Person:
    """An author resolved to a person (``key`` is ``author:<id>`` when the store has none)."""

    key: str
    distinct_ids: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict)
    known: bool = False


@dataclass(frozen=True)
class FunnelLink:
    """A funnel to read the authors' drops from: its name, steps and conversion window."""

    name: str
    steps: tuple[FunnelStep, ...]
    window_seconds: int = 7 * 86_400

    @classmethod
    def of_kpi(cls, kpi: Kpi) -> FunnelLink:
        """The funnel of a funnel KPI (its events, filters and window)."""
        steps = tuple(FunnelStep(event, kpi.filters) for event in kpi.events)
        return cls(kpi.name, steps, kpi.window_days * 86_400)


@dataclass(frozen=True)
class StepDrop:
    """How many of a theme's persons reached step ``step`` (from 1) but not the next."""

    step: int
    name: str
    persons: int


def resolve_persons(
    authors: Iterable[str], project_id: int, store: EventStore | None
) -> dict[str, Person]:
    """Each author's person (authors merged into one person share one :class:`Person`)."""
    resolved: dict[str, Person] = {}
    for author in sorted(set(authors)):
        found = store.person(project_id, author) if store is not None else None
        if found:
            ids = tuple(str(i) for i in found.get("distinct_ids") or [author])
            key = str(found["person_id"])
            resolved[author] = Person(key, ids, dict(found.get("properties") or {}), known=True)
        else:
            resolved[author] = Person(f"author:{author}", (author,))
    return resolved


def active_persons(
    store: EventStore, project_id: int, persons: Iterable[Person], start: datetime, end: datetime
) -> set[str]:
    """Keys of the persons with at least one event in ``[start, end)``."""
    sql = (
        "SELECT 1 FROM events WHERE project_id = ? AND distinct_id = ? "
        "AND timestamp >= ? AND timestamp < ? LIMIT 1"
    )
    bounds = [_naive_utc(start), _naive_utc(end)]
    return {
        person.key
        for person in persons
        if person.known
        and any(store.query(sql, [project_id, d, *bounds]) for d in person.distinct_ids)
    }


def funnel_dropouts(
    store: EventStore, project_id: int, funnel: FunnelLink, start: datetime, end: datetime
) -> list[tuple[StepDrop, frozenset[str]]]:
    """For each step but the last, the persons (ids) who reached it but not the next one.

    The funnel runs over the whole UTC days of ``[start, end)`` (at most the analytics' span);
    each :class:`StepDrop` comes with ``persons`` set to how many dropped in all.
    """
    query = FunnelQuery(project_id, _days(start, end), funnel.steps, funnel.window_seconds)
    dropouts = []
    for step in range(1, len(funnel.steps)):
        dropped = frozenset(dropped_persons(store, query, step, limit=MAX_DROPPED))
        dropouts.append((StepDrop(step, funnel.steps[step - 1].label, len(dropped)), dropped))
    return dropouts


def known_paths(store: EventStore, project_id: int, start: datetime, end: datetime) -> list[str]:
    """The distinct pages (``path``) the events of ``[start, end)`` were seen on."""
    rows = store.query(
        "SELECT DISTINCT path FROM events WHERE project_id = ? AND timestamp >= ? "
        "AND timestamp < ? AND path IS NOT NULL AND path <> '' LIMIT ?",
        [project_id, _naive_utc(start), _naive_utc(end), MAX_KNOWN_PATHS],
    )
    return sorted({str(row[0]) for row in rows})


def mentioned_paths(texts: Sequence[str], fields: Sequence[str], known: Sequence[str]) -> list[str]:
    """The known pages that items name: by their page/feature field, a path in their text
    (``/billing/plans``), or a word that is a page's last segment (``export`` for ``/export``).
    """
    by_form = {_normal(path): path for path in known}
    by_segment: dict[str, list[str]] = {}
    for path in known:
        segment = _normal(path).rsplit("/", 1)[-1]
        if len(segment) >= MIN_SEGMENT_LETTERS:
            by_segment.setdefault(segment, []).append(path)
    found: set[str] = set()
    for value in [*fields, *(p for text in texts for p in _PATH_IN_TEXT.findall(text))]:
        form = _normal(value if value.startswith("/") else "/" + value)
        found.update([by_form[form]] if form in by_form else by_segment.get(form[1:], []))
    for text in texts:
        for word in _WORD.findall(text.lower()):
            found.update(by_segment.get(word, []))
    return sorted(found)


def _normal(path: str) -> str:
    """A path compared without query, fragment, case or trailing slash."""
    bare = re.split(r"[?#]", path.strip().lower(), maxsplit=1)[0].rstrip("/")
    return bare or "/"


def _naive_utc(moment: datetime) -> datetime:
    """Both stores keep naive UTC timestamps."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _days(start: datetime, end: datetime) -> DateRange:
    first = _naive_utc(start).date()
    last = (_naive_utc(end) - timedelta(microseconds=1)).date()
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    return DateRange(min(first, last), last)
