"""KPI moved beyond noise: the period's daily values against a seasonal baseline.

The baseline is the KPI's daily series over the days before the period; each weekday's median
is its expected value and the MAD of the residuals its noise (``statistics.seasonal_shift``).
A move is reported when its robust z-score passes :data:`Z_THRESHOLD`, whatever its size in
percent: a 5% move of a steady KPI can be real, a 30% one of a noisy KPI may not be.
"""

from __future__ import annotations

from datetime import date

from launchloop.analytics.kpis import DailyValue, Kpi, KpiReading, evaluate_kpi
from launchloop.analytics.timeframe import DateRange
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding, figure, span_text
from launchloop.detect.statistics import Shift, seasonal_shift

KIND = "kpi_moved"
#: |z| above this is a move: about one false alarm in 3,700 KPI-periods of pure noise.
Z_THRESHOLD = 3.5


def detect_move(
    kpi: Kpi,
    baseline: tuple[DailyValue, ...],
    current: tuple[DailyValue, ...],
    span: DateRange,
    *,
    z_threshold: float = Z_THRESHOLD,
) -> list[Finding]:
    """A finding when the period's daily values moved beyond the baseline's seasonal noise."""
    shift = seasonal_shift(_known(baseline), _known(current), count_floor=kpi.kind == "count")
    if shift is None or abs(shift.z) < z_threshold:
        return []
    way = "rose" if shift.z > 0 else "fell"
    good = bool((shift.z > 0) == (kpi.direction == "up"))
    text = (
        f"{kpi.name} {way}: its daily value averaged {figure(shift.observed)} over "
        f"{span_text(span)}, against {figure(shift.expected)} expected from the "
        f"{shift.baseline_days} days before on the same weekdays "
        f"(z = {shift.z:.1f}, {'good' if good else 'bad'} news)"
    )
    subjects: tuple[str, ...] = (f"kpi:{kpi.name}",)
    if kpi.kind == "funnel_conversion":
        subjects += tuple(f"step:{name}" for name in kpi.events[1:])
    payload = _payload(kpi, shift, span, baseline, current) | {"good_news": bool(good)}
    return [Finding(KIND, kpi.name, text, subjects, payload, kpi.name, kpi.owner_team)]


def _known(series: tuple[DailyValue, ...]) -> list[tuple[date, float]]:
    return [(point.day, point.value) for point in series if point.value is not None]


def _payload(
    kpi: Kpi,
    shift: Shift,
    span: DateRange,
    baseline: tuple[DailyValue, ...],
    current: tuple[DailyValue, ...],
) -> dict[str, object]:
    return {
        "kpi": kpi.name,
        "kpi_kind": kpi.kind,
        "direction": kpi.direction,
        "observed_daily_mean": shift.observed,
        "expected_daily_mean": shift.expected,
        "noise_scale": shift.scale,
        "z": shift.z,
        "p_value": shift.p_value,
        "date_from": span.start.isoformat(),
        "date_to": span.end.isoformat(),
        "series": [{"day": p.day.isoformat(), "value": p.value} for p in (*baseline, *current)],
    }


def split_series(reading: KpiReading, start: date) -> tuple[tuple[DailyValue, ...], ...]:
    """The reading's daily series cut into the days before ``start`` and the days from it."""
    before = tuple(p for p in reading.series if p.day < start)
    return before, tuple(p for p in reading.series if p.day >= start)


def find_moves(context: DetectionContext) -> list[Finding]:
    """Read each KPI's daily series over baseline and period, and test the period."""
    window = context.window
    whole = DateRange(window.baseline.start, window.current.end, window.time_zone)
    found: list[Finding] = []
    for kpi in context.kpis:
        if kpi.kind == "retention":
            continue  # a retention day needs day N to have passed: its series lags the period
        reading = evaluate_kpi(context.store, context.project_id, kpi, whole)
        baseline, current = split_series(reading, window.current.start)
        found.extend(detect_move(kpi, baseline, current, window.current))
    return found
