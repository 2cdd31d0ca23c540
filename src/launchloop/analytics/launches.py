"""Launches: what was shipped and when, and its KPIs before and after, in one call.

The comparison reads the same number of local days on each side of the launch date: ``days``
after it (the launch day included), fewer when the launch is more recent, and as many before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from launchloop.analytics.kpis import Kpi, KpiReading, evaluate_kpi
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput, NotFound
from launchloop.store.base import EventStore

_NAME = re.compile(r"^\S.{0,199}$")
MAX_DAYS = 365


@dataclass(frozen=True)
class Launch:
    """A launch: its name, its date (local day of the project) and the names of its KPIs."""

    name: str
    date: date
    kpis: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidInput("name", "1-200 characters, not starting with a space")


@dataclass(frozen=True)
class KpiComparison:
    """One KPI before and after a launch."""

    kpi: Kpi
    before: KpiReading
    after: KpiReading

    @property
    def change(self) -> float | None:
        """After minus before (None when either is unknown)."""
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value

    @property
    def relative_change(self) -> float | None:
        """The change as a share of the before value (None when before is 0 or unknown)."""
        change = self.change
        if change is None or not self.before.value:
            return None
        return change / abs(self.before.value)

    @property
    def improved(self) -> bool | None:
        """Whether the KPI moved in its wanted direction (None when unknown or unchanged)."""
        change = self.change
        if not change:
            return None
        return change > 0 if self.kpi.direction == "up" else change < 0


@dataclass(frozen=True)
class LaunchComparison:
    """Every KPI of a launch over ``before`` and ``after`` (ranges of equal length)."""

    launch: Launch
    before: DateRange
    after: DateRange
    kpis: tuple[KpiComparison, ...]

    def as_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready values."""
        return {
            "launch": self.launch.name,
            "date": self.launch.date.isoformat(),
            "before": {
                "date_from": self.before.start.isoformat(),
                "date_to": self.before.end.isoformat(),
            },
            "after": {
                "date_from": self.after.start.isoformat(),
                "date_to": self.after.end.isoformat(),
            },
            "kpis": [
                {
                    "kpi": c.kpi.name,
                    "owner_team": c.kpi.owner_team,
                    "direction": c.kpi.direction,
                    "before": c.before.value,
                    "after": c.after.value,
                    "change": c.change,
                    "relative_change": c.relative_change,
                    "improved": c.improved,
                    "after_on_target": c.after.on_target,
                    "after_series": [
                        {"day": p.day.isoformat(), "value": p.value} for p in c.after.series
                    ],
                }
                for c in self.kpis
            ],
        }


def launch_ranges(
    launch: Launch, *, days: int, today: date, time_zone: str = "UTC"
) -> tuple[DateRange, DateRange]:
    """The before and after ranges of ``launch``: equal lengths, the after one ending by today."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"must be between 1 and {MAX_DAYS}")
    if launch.date > today:
        raise InvalidInput("date", f"the launch {launch.name!r} has not happened yet")
    length = min(days, (today - launch.date).days + 1)
    after = DateRange(launch.date, launch.date + timedelta(days=length - 1), time_zone)
    before = DateRange(
        launch.date - timedelta(days=length), launch.date - timedelta(days=1), time_zone
    )
    return before, after


def compare_launch(
    store: EventStore,
    project_id: int,
    launch: Launch,
    kpis: Iterable[Kpi],
    *,
    days: int = 14,
    today: date,
    time_zone: str = "UTC",
) -> LaunchComparison:
    """Each of the launch's KPIs over the days before the launch and the days after it.

    :param kpis: the declared KPIs; the launch's KPI names must all be among them.
    :param today: the last day that may be read (the project's local date).
    """
    by_name = {kpi.name: kpi for kpi in kpis}
    missing = [name for name in launch.kpis if name not in by_name]
    if missing:
        raise NotFound(f"launch {launch.name!r} names an unknown KPI {missing[0]!r}")
    before, after = launch_ranges(launch, days=days, today=today, time_zone=time_zone)
    compared = tuple(
        KpiComparison(
            by_name[name],
            evaluate_kpi(store, project_id, by_name[name], before),
            evaluate_kpi(store, project_id, by_name[name], after),
        )
        for name in launch.kpis
    )
    return LaunchComparison(launch, before, after, compared)


def launch_from_mapping(raw: Mapping[str, Any]) -> Launch:
    """A launch from a ``[[launches]]`` table: name, date (YYYY-MM-DD), kpis, description."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("launches", "each launch is a table of name, date and kpis")
    when = raw.get("date")
    if isinstance(when, str):
        try:
            when = date.fromisoformat(when)
        except ValueError:
            raise InvalidInput("date", "must be a date (YYYY-MM-DD)") from None
    if not isinstance(when, date):
        raise InvalidInput("date", "must be a date (YYYY-MM-DD)")
    names = raw.get("kpis", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidInput("kpis", "must be a list of KPI names")
    return Launch(str(raw.get("name", "")), when, tuple(names), str(raw.get("description", "")))


def launches_from_config(config: Mapping[str, Any]) -> tuple[Launch, ...]:
    """The launches of a parsed ``launchloop.toml`` (its ``[[launches]]`` array)."""
    raw = config.get("launches", [])
    if not isinstance(raw, list):
        raise InvalidInput("launches", "must be an array of tables ([[launches]])")
    return tuple(launch_from_mapping(item) for item in raw)
