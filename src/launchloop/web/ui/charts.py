"""ECharts options for the dashboard, built from analytics results (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from launchloop.analytics.funnels import FunnelResult
from launchloop.analytics.kpis import KpiReading
from launchloop.analytics.retention import RetentionResult
from launchloop.web.ui.dashboard_queries import LaunchMark

Option = dict[str, Any]
GRID = {"left": 48, "right": 16, "top": 24, "bottom": 40, "containLabel": True}


def kpi_trend(reading: KpiReading, marks: Sequence[LaunchMark] = ()) -> Option:
    """A KPI's daily series with its target and the launch dates as marked lines."""
    days = [point.day.isoformat() for point in reading.series]
    lines: list[dict[str, Any]] = [
        {"xAxis": mark.day.isoformat(), "name": mark.name, "label": {"formatter": mark.name}}
        for mark in marks
        if mark.day.isoformat() in days
    ]
    if reading.kpi.target is not None:
        lines.append({"yAxis": reading.kpi.target, "name": "target"})
    series: dict[str, Any] = {
        "type": "line",
        "name": reading.kpi.name,
        "data": [point.value for point in reading.series],
        "connectNulls": False,
        "showSymbol": False,
    }
    if lines:
        series["markLine"] = {"symbol": "none", "silent": True, "data": lines}
    return {
        "grid": {**GRID, "left": 8, "top": 16, "bottom": 8},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": days, "axisLabel": {"show": False}},
        "yAxis": {"type": "value", "splitNumber": 2},
        "series": [series],
    }


def funnel_bars(result: FunnelResult, labels: tuple[str, str]) -> Option:
    """Persons at each step as a bar split in those who went on and those who dropped there."""
    steps = result.steps
    went_on = [step.entered - step.dropped for step in steps]
    return {
        "grid": GRID,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": [step.name for step in steps]},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "bar", "stack": "funnel", "name": labels[0], "data": went_on},
            {
                "type": "bar",
                "stack": "funnel",
                "name": labels[1],
                "data": [step.dropped for step in steps],
                "itemStyle": {"color": "#e0a0a0"},
            },
        ],
    }


def retention_heatmap(result: RetentionResult, cohort_label: str) -> Option:
    """Cohorts by period as a heatmap of the share of each cohort that came back."""
    cohorts = [cohort.start.date().isoformat() for cohort in result.cohorts]
    periods = max((len(cohort.returned) for cohort in result.cohorts), default=0)
    cells = [
        [period, row, round(100 * rate, 1)]
        for row, cohort in enumerate(result.cohorts)
        for period, rate in enumerate(cohort.rates)
        if rate is not None and cohort.size > 0  # an empty cohort has no share to show
    ]
    return {
        "grid": {**GRID, "bottom": 64},
        "tooltip": {"position": "top"},
        "xAxis": {"type": "category", "data": [f"+{p}" for p in range(periods)]},
        "yAxis": {"type": "category", "data": cohorts, "name": cohort_label, "inverse": True},
        "visualMap": {
            "min": 0,
            "max": 100,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "calculable": False,
        },
        "series": [{"type": "heatmap", "data": cells, "label": {"show": True}}],
    }
