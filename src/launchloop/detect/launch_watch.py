"""Launch watch: in the days after a launch, each of its KPIs against the days before it.

For a launch dated within :data:`WATCH_DAYS` before the end of the period, every KPI of the
launch is read daily from ``baseline_days`` before the launch to the end of the period; the
days from the launch on are tested against the days before (``statistics.seasonal_shift``).
A KPI that moved becomes a ``kpi_moved`` signal linked to the launch; its payload carries the
before and after values of every KPI of the launch, moved or not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from launchloop.analytics.kpis import Kpi, KpiReading, evaluate_kpi
from launchloop.analytics.launches import Launch
from launchloop.analytics.timeframe import DateRange
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding, figure
from launchloop.detect.kpi_moved import Z_THRESHOLD, split_series
from launchloop.detect.statistics import seasonal_shift

KIND = "kpi_moved"
#: A launch is watched for this many days from its date.
WATCH_DAYS = 28


@dataclass(frozen=True)
class LaunchKpi:
    """One KPI of a launch: expected (before) and observed (after) daily means, and z."""

    kpi: Kpi
    before: float | None
    after: float | None
    z: float | None
    before_days: int
    after_days: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {
            "kpi": self.kpi.name,
            "before": self.before,
            "after": self.after,
            "z": self.z,
            "before_days": self.before_days,
            "after_days": self.after_days,
        }


def detect_launch_moves(
    launch: Launch, readings: list[KpiReading], *, z_threshold: float = Z_THRESHOLD
) -> list[Finding]:
    """The launch's KPIs whose days since the launch moved beyond their noise before it."""
    table = [launch_kpi(launch, reading) for reading in readings]
    return [
        _finding(launch, row, table)
        for row in table
        if row.z is not None and abs(row.z) >= z_threshold
    ]


def launch_kpi(launch: Launch, reading: KpiReading) -> LaunchKpi:
    """A KPI's daily values from the launch date on, against those before it."""
    before, after = split_series(reading, launch.date)
    known = [[(p.day, p.value) for p in part if p.value is not None] for part in (before, after)]
    shift = seasonal_shift(*known, count_floor=reading.kpi.kind == "count")
    if shift is None:
        return LaunchKpi(reading.kpi, None, None, None, len(before), len(after))
    return LaunchKpi(reading.kpi, shift.expected, shift.observed, shift.z, len(before), len(after))


def _finding(launch: Launch, row: LaunchKpi, table: list[LaunchKpi]) -> Finding:
    kpi, z = row.kpi, row.z or 0.0
    good = (z > 0) == (kpi.direction == "up")
    text = (
        f"Since the launch of {launch.name} on {launch.date.isoformat()}, {kpi.name} "
        f"{'rose' if z > 0 else 'fell'}: its daily value averaged {figure(row.after)} over "
        f"{row.after_days} days, against {figure(row.before)} expected from the "
        f"{row.before_days} days before on the same weekdays "
        f"(z = {z:.1f}, {'good' if good else 'bad'} news)"
    )
    payload = {
        "mode": "launch_watch",
        "launch": launch.name,
        "launch_date": launch.date.isoformat(),
        "kpi": kpi.name,
        "z": z,
        "good_news": good,
        "launch_kpis": [other.as_dict() for other in table],
    }
    # Not the launch itself: two KPIs of one launch are two stories, grouped by their KPI.
    subjects = (f"kpi:{kpi.name}",)
    key = f"launch|{launch.name}|{kpi.name}"
    return Finding(KIND, key, text, subjects, payload, kpi.name, kpi.owner_team)


def find_launch_moves(context: DetectionContext) -> list[Finding]:
    """Watch each launch of the last :data:`WATCH_DAYS` days: its KPIs since vs before."""
    window, found = context.window, []
    by_name = {kpi.name: kpi for kpi in context.kpis}
    for launch in context.launches:
        if not 0 <= (window.until - launch.date).days < WATCH_DAYS:
            continue
        start = launch.date - timedelta(days=window.baseline_days)
        span = DateRange(start, window.until, window.time_zone)
        readings = [
            evaluate_kpi(context.store, context.project_id, by_name[name], span)
            for name in launch.kpis
            if name in by_name and by_name[name].kind != "retention"
        ]
        launch_id = context.launch_ids.get(launch.name)
        found += [replace(f, launch_id=launch_id) for f in detect_launch_moves(launch, readings)]
    return found
