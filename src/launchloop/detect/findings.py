"""What a detector finds, over which days, and the fingerprint that keeps a re-run idempotent."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput

MAX_DAYS = 90
MAX_BASELINE_DAYS = 365
#: Users' words a finding quotes.
QUOTES = 3


@dataclass(frozen=True)
class DetectionWindow:
    """The period read (``days`` ending on ``until``) and the baseline days just before it."""

    until: date
    days: int = 7
    baseline_days: int = 28
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise InvalidInput("days", f"must be between 1 and {MAX_DAYS}")
        if not self.days <= self.baseline_days <= MAX_BASELINE_DAYS:
            raise InvalidInput("baseline_days", f"must be between days and {MAX_BASELINE_DAYS}")

    @classmethod
    def since(
        cls, since: date, until: date, baseline_days: int = 28, time_zone: str = "UTC"
    ) -> DetectionWindow:
        """The days ``since`` to ``until`` (both included), after a baseline at least as long."""
        if since > until:
            raise InvalidInput("since", f"must be on or before {until.isoformat()}")
        days = (until - since).days + 1
        if days > MAX_DAYS:
            raise InvalidInput("since", f"reads at most {MAX_DAYS} days")
        return cls(until, days, max(baseline_days, days), time_zone)

    @property
    def current(self) -> DateRange:
        """The period under watch."""
        return DateRange(self.until - timedelta(days=self.days - 1), self.until, self.time_zone)

    @property
    def previous(self) -> DateRange:
        """The period of the same length just before (period-over-period comparisons)."""
        return self.current.previous()

    @property
    def baseline(self) -> DateRange:
        """The baseline days before the period (seasonal comparisons)."""
        start = self.current.start
        return DateRange(
            start - timedelta(days=self.baseline_days), start - timedelta(days=1), self.time_zone
        )


@dataclass(frozen=True)
class Finding:
    """One thing a detector found: a signal to be, with the data behind it.

    :param key: what the finding is about, stable across runs (KPI, step, segment, page...).
    :param subjects: what it concerns (``kpi:<name>``, ``step:<event>``, ``page:<path>``,
        ``segment:<dimension>=<value>``, ``theme:<id>``); drafting groups findings by them.
    :param kpi: the KPI's name when the finding is about one.
    :param team: the owner team's name (routing); None: the team that observes the kind.
    """

    kind: str
    key: str
    text: str
    subjects: tuple[str, ...]
    payload: dict[str, Any] = field(default_factory=dict)
    kpi: str | None = None
    team: str | None = None
    feedback_ids: tuple[str, ...] = ()
    launch_id: int | None = None

    @property
    def identity(self) -> str:
        """What the finding is about, whatever the days: its kind and key."""
        return hashlib.sha256(f"{self.kind}|{self.key}".encode()).hexdigest()[:24]

    def fingerprint(self, onset: date) -> str:
        """A stable id of this finding's episode, which started on ``onset``: a lasting problem
        re-detected by sliding windows keeps the fingerprint of its first detection."""
        raw = f"{self.kind}|{self.key}|{onset.isoformat()}"
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def percent(value: float | None) -> str:
    """A share as a rounded percentage ("37%"); "n/a" when unknown."""
    return "n/a" if value is None else f"{100 * value:.0f}%"


def figure(value: float | None) -> str:
    """A KPI value, short ("0.37", "1,204", "n/a")."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def distinct_quotes(texts: Iterable[str | None]) -> tuple[str, ...]:
    """The first :data:`QUOTES` distinct texts, 200 characters each: the same words once."""
    unique = dict.fromkeys(" ".join(t.split())[:200] for t in texts if t and t.strip())
    return tuple(unique)[:QUOTES]


def span_text(span: DateRange) -> str:
    """``2026-11-19..2026-11-25``."""
    return f"{span.start.isoformat()}..{span.end.isoformat()}"
