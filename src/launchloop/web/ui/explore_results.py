"""Running an exploration: the analytics query of its kind, as a table and an ECharts option."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchloop.analytics.filters import EventSpec, property_ref
from launchloop.analytics.funnels import FunnelQuery, FunnelStep, funnel
from launchloop.analytics.paths import PathsQuery, paths
from launchloop.analytics.retention import RetentionQuery, retention
from launchloop.analytics.trends import TrendsQuery, trends
from launchloop.store.base import EventStore
from launchloop.web.ui.charts import GRID, funnel_bars, retention_heatmap
from launchloop.web.ui.explore_query import Exploration
from launchloop.web.ui.i18n import Translate, translator

Cell = str | int | float | None


@dataclass(frozen=True)
class ExploreResult:
    """What the page shows: a chart option and a table with the same figures."""

    option: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def run_exploration(
    store: EventStore, project_id: int, x: Exploration, t: Translate | None = None
) -> ExploreResult:
    """Run the exploration's query over ``store`` and shape its answer for the page.

    :param t: the page's messages, for column headers and series names (default English).
    """
    runners = {"trend": _trend, "funnel": _funnel, "retention": _retention, "paths": _paths}
    return runners[x.kind](store, project_id, x, t or translator("en"))


def _breakdown(x: Exploration) -> Any:
    return property_ref(x.breakdown, field="breakdown") if x.breakdown else None


def _trend(store: EventStore, project_id: int, x: Exploration, t: Translate) -> ExploreResult:
    math = "count" if x.math == "count" else "unique"
    query = TrendsQuery(
        project_id,
        x.span,
        event=x.events[0],
        interval=x.interval,  # type: ignore[arg-type]
        math=math,  # type: ignore[arg-type]
        filters=x.filters,
        breakdown=_breakdown(x),
    )
    series = trends(store, query).current
    buckets = [bucket.date().isoformat() for bucket in series.buckets]
    names = [line.breakdown_value or x.events[0] for line in series.lines]
    option = {
        "grid": GRID,
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": buckets},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": name, "data": list(line.values)}
            for name, line in zip(names, series.lines, strict=True)
        ],
    }
    rows = tuple(
        (bucket, *(_number(line.values[i]) for line in series.lines))
        for i, bucket in enumerate(buckets)
    )
    return ExploreResult(option, ("", *names), rows)


def _funnel(store: EventStore, project_id: int, x: Exploration, t: Translate) -> ExploreResult:
    query = FunnelQuery(
        project_id,
        x.span,
        tuple(FunnelStep(event) for event in x.events),
        filters=x.filters,
        breakdown=_breakdown(x),
    )
    result = funnel(store, query)
    rows = [
        (b.value or "", s.index, s.name, s.entered, s.dropped, _share(s.conversion_from_first))
        for b in result.breakdowns
        for s in b.steps
    ]
    rows += [
        ("", s.index, s.name, s.entered, s.dropped, _share(s.conversion_from_first))
        for s in result.steps
    ]
    columns = (t("breakdown"), "#", t("events"), t("entered"), t("dropped"), t("conversion"))
    option = funnel_bars(result, (t("went_on"), t("dropped")))
    return ExploreResult(option, columns, tuple(rows))


def _retention(store: EventStore, project_id: int, x: Exploration, t: Translate) -> ExploreResult:
    query = RetentionQuery(
        project_id,
        x.span,
        EventSpec(x.events[0], x.filters),
        EventSpec(x.events[-1], x.filters),
        interval=x.interval,  # type: ignore[arg-type]
    )
    result = retention(store, query)
    periods = max((len(c.returned) for c in result.cohorts), default=0)
    rows = tuple(
        (c.start.date().isoformat(), c.size, *(_share(rate) for rate in c.rates))
        for c in result.cohorts
    )
    columns = (t("cohort"), t("persons"), *(f"+{p}" for p in range(periods)))
    return ExploreResult(retention_heatmap(result, t("cohort")), columns, rows)


def _paths(store: EventStore, project_id: int, x: Exploration, t: Translate) -> ExploreResult:
    query = PathsQuery(project_id, x.span, EventSpec(x.events[0], x.filters))
    result = paths(store, query)
    # the anchor opens (or, looking back, closes) every path
    ends = {"after": lambda p: (x.events[0], *p.items), "before": lambda p: (*p.items, x.events[0])}
    labels = [" → ".join(ends[result.direction](p)) for p in result.paths]
    option = {
        "grid": {**GRID, "left": 8},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": [
            {"type": "bar", "name": t("persons"), "data": [p.persons for p in result.paths]}
        ],
    }
    rows = tuple((label, p.persons) for label, p in zip(labels, result.paths, strict=True))
    return ExploreResult(option, (t("path"), t("persons")), rows)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


def _share(rate: float | None) -> str | None:
    return None if rate is None else f"{100 * rate:.1f} %"
