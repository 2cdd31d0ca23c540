"""KPI off target: over the period, the KPI's value misses its target in its direction."""

from __future__ import annotations

from launchloop.analytics.kpis import KpiReading, evaluate_kpi
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding, figure, span_text

KIND = "kpi_off_target"


def detect_off_target(reading: KpiReading) -> list[Finding]:
    """A finding when the reading has a target and misses it (nothing without a value)."""
    kpi = reading.kpi
    if reading.on_target is not False or reading.value is None or kpi.target is None:
        return []
    wanted = "at least" if kpi.direction == "up" else "at most"
    previous = f" (previous period {figure(reading.previous)})" if reading.previous else ""
    text = (
        f"{kpi.name} is {figure(reading.value)} over {span_text(reading.span)}{previous}, "
        f"off its target of {wanted} {figure(kpi.target)}"
    )
    payload = {
        "kpi": kpi.name,
        "kpi_kind": kpi.kind,
        "value": reading.value,
        "previous": reading.previous,
        "target": kpi.target,
        "direction": kpi.direction,
        "target_gap": reading.target_gap,
        "date_from": reading.span.start.isoformat(),
        "date_to": reading.span.end.isoformat(),
    }
    subjects = (f"kpi:{kpi.name}", *(f"step:{name}" for name in _steps(reading)))
    return [Finding(KIND, kpi.name, text, subjects, payload, kpi.name, kpi.owner_team)]


def _steps(reading: KpiReading) -> tuple[str, ...]:
    return reading.kpi.events[1:] if reading.kpi.kind == "funnel_conversion" else ()


def find_off_target(context: DetectionContext) -> list[Finding]:
    """Evaluate every KPI that has a target over the period."""
    found: list[Finding] = []
    for kpi in context.kpis:
        if kpi.target is None:
            continue
        reading = evaluate_kpi(context.store, context.project_id, kpi, context.window.current)
        found.extend(detect_off_target(reading))
    return found
