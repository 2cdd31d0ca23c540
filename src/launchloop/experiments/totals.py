"""Per-variant sufficient statistics of a metric, computed in the store (DuckDB or ClickHouse).

One statement, printed per engine: the exposures of the window resolved to persons (through
``person_distinct_ids``, so later merges apply), each person's first exposure, the persons who
saw several variants set apart (counted, not analysed), then each clean person's metric value
after their first exposure (and, for CUPED, the same metric over the days before it), summed per
variant as n, sum, sum of squares and the cross product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from launchloop.analytics.source import events_from
from launchloop.analytics.sql import Printer, printer_for, run
from launchloop.experiments.design import ExperimentMetric, Exposure
from launchloop.store.base import EventStore

_DAY_MICROS = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class VariantTotals:
    """One variant's persons and the sums of their metric values (``pre_*`` for CUPED)."""

    variant: str
    n: int
    sum: float
    sum_squares: float
    pre_sum: float = 0.0
    pre_sum_squares: float = 0.0
    sum_products: float = 0.0


@dataclass(frozen=True)
class ExposureTotals:
    """The totals of each declared variant (in order) and the persons excluded."""

    variants: tuple[VariantTotals, ...]
    multiple_exposures: int


@dataclass(frozen=True)
class Window:
    """The experiment's dates: exposures and metric events in [start, end)."""

    start: datetime
    end: datetime


def read_totals(
    store: EventStore,
    project_id: int,
    *,
    exposure: Exposure,
    metric: ExperimentMetric,
    variants: Sequence[str],
    window: Window,
    cuped_days: int | None = None,
) -> ExposureTotals:
    """Per-variant totals of ``metric`` over the persons exposed in ``window``."""
    p = printer_for(store.dialect)
    sql = totals_sql(p, project_id, exposure, metric, variants, window, cuped_days)
    found: dict[str | None, tuple[float, ...]] = {}
    for row in run(store, p.compiled(sql)):
        found[row[0]] = tuple(float(x or 0) for x in row[1:])
    excluded = int(found.pop(None, (0.0,))[0])
    empty = (0.0,) * 6
    return ExposureTotals(
        tuple(_totals(name, found.get(name, empty)) for name in variants), excluded
    )


def _totals(name: str, sums: tuple[float, ...]) -> VariantTotals:
    n, total, squares, pre, pre_squares, products = sums
    return VariantTotals(name, int(n), total, squares, pre, pre_squares, products)


def totals_sql(
    p: Printer,
    project_id: int,
    exposure: Exposure,
    metric: ExperimentMetric,
    variants: Sequence[str],
    window: Window,
    cuped_days: int | None,
) -> str:
    """The statement that sums the metric per variant (printed for ``p``'s engine)."""
    exposed = _exposed_sql(p, project_id, exposure, variants, window)
    measured = _metric_events_sql(p, project_id, metric, window, cuped_days)
    after = f"m.ts >= x.first_ts AND m.ts < {_end(p, window)}"
    value = _value(metric, after)
    if cuped_days:
        lookback = p.param(int(cuped_days) * _DAY_MICROS)
        before = (
            f"m.ts < x.first_ts AND {p.micros('m.ts')} >= {p.micros('x.first_ts')} - {lookback}"
        )
        pre = _value(metric, before)
    else:
        pre = "0"
    return f"""
WITH exposed AS ({exposed}),
measured AS ({measured}),
per_person AS (
    SELECT x.person AS person, x.variant AS variant, x.variants AS variants,
        {value} AS value, {pre} AS pre
    FROM exposed AS x
    LEFT JOIN measured AS m ON m.person = x.person
    GROUP BY x.person, x.variant, x.variants
)
SELECT CASE WHEN variants = 1 THEN variant END AS arm, count(*),
    sum(value), sum(value * value), sum(pre), sum(pre * pre), sum(value * pre)
FROM per_person
GROUP BY arm"""


def _end(p: Printer, window: Window) -> str:
    return p.from_micros(p.param(epoch_micros(window.end)))


def _value(metric: ExperimentMetric, condition: str) -> str:
    """Aggregate: the person's metric over the measured events that meet ``condition``."""
    if metric.kind == "conversion":
        return f"max(CASE WHEN {condition} THEN 1 ELSE 0 END)"
    if metric.kind == "count":
        return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"
    return f"sum(CASE WHEN {condition} THEN coalesce(m.amount, 0) ELSE 0 END)"


def _exposed_sql(
    p: Printer, project_id: int, exposure: Exposure, variants: Sequence[str], window: Window
) -> str:
    """Each exposed person: first exposure time, its variant, how many variants it saw."""
    props = [p.json_text("e.properties", key) for key in exposure.variant_properties]
    variant = props[0] if len(props) == 1 else f"coalesce({', '.join(props)})"
    conditions = [
        f"e.project_id = {p.param(int(project_id))}",
        f"e.event = {p.param(exposure.event)}",
        f"e.timestamp >= {p.from_micros(p.param(epoch_micros(window.start)))}",
        f"e.timestamp < {_end(p, window)}",
    ]
    if exposure.flag is not None:
        named = [
            f"{p.json_text('e.properties', key)} = {p.param(exposure.flag)}"
            for key in exposure.flag_properties
        ]
        conditions.append(f"({' OR '.join(named)})")
    declared = ", ".join(p.param(str(name)) for name in variants)
    return f"""
    SELECT person, min(ts) AS first_ts, min(seen_variant) AS variant,
        count(DISTINCT seen_variant) AS variants
    FROM (
        SELECT {p.person()} AS person, {variant} AS seen_variant, e.timestamp AS ts
        {events_from(p)}
        WHERE {" AND ".join(conditions)}
    ) AS seen
    WHERE seen_variant IN ({declared})
    GROUP BY person"""


def _metric_events_sql(
    p: Printer, project_id: int, metric: ExperimentMetric, window: Window, cuped_days: int | None
) -> str:
    """The metric's events (person, time, amount) from the lookback before the window on."""
    start = epoch_micros(window.start) - (int(cuped_days or 0) * _DAY_MICROS)
    amount = "0"
    if metric.property is not None:
        amount = p.to_number(p.json_text("e.properties", metric.property))
    return f"""
    SELECT {p.person()} AS person, e.timestamp AS ts, {amount} AS amount
    {events_from(p)}
    WHERE e.project_id = {p.param(int(project_id))} AND e.event = {p.param(metric.event)}
        AND e.timestamp >= {p.from_micros(p.param(start))}
        AND e.timestamp < {_end(p, window)}"""


def epoch_micros(moment: datetime) -> int:
    """Epoch microseconds of an aware (or UTC-naive) datetime, exactly."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)
