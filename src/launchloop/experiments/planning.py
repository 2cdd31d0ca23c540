"""Power and duration from the project's own numbers: baseline and traffic measured in the store.

For a running (or finished) experiment they come from its control's persons over its dates, as
the analysis reads them. For an action, or a draft experiment, from the impact KPI's metric over
the persons active in the last days (any event), by default 28: the baseline is their mean, the
traffic the persons per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from launchloop.analytics.source import events_from
from launchloop.analytics.sql import Printer, printer_for, run
from launchloop.errors import InvalidInput
from launchloop.experiments.design import ExperimentMetric, exposure_for, metric_from_kpi
from launchloop.experiments.snapshots import metric_for, window_of
from launchloop.experiments.totals import Window, epoch_micros, read_totals
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.experiments import get_experiment
from launchloop.knowledge.models import Action, Kpi
from launchloop.stats.power import PowerResult, sample_size
from launchloop.stats.statistics import Proportion, SampleMean
from launchloop.store.base import EventStore

#: Days of recent events measured for an action that has no running experiment.
RECENT_DAYS = 28


@dataclass(frozen=True)
class MeasuredTraffic:
    """The baseline mean and variance of a metric and the persons per day, as measured."""

    metric: ExperimentMetric
    persons: int
    days: float
    baseline: float
    #: Per-person variance of a mean metric; None for a conversion (Bernoulli).
    variance: float | None
    daily_traffic: float
    source: str
    #: The action's expected change over the measured (or stated) baseline, when it has one.
    expected_change: float | None = None


def measure_for_experiment(
    session: Session,
    store: EventStore,
    project_id: int,
    experiment_id: int,
    *,
    metric: ExperimentMetric | None = None,
    now: datetime | None = None,
) -> MeasuredTraffic:
    """The control's baseline and the exposures per day of a started experiment.

    A draft experiment is measured as its action is, on the experiment's primary metric.
    """
    experiment = get_experiment(session, project_id, experiment_id)
    metric = metric or metric_for(session, experiment)
    action = get_action(session, project_id, experiment.action_id)
    if experiment.started_at is None:
        return _recent(store, project_id, metric, action, now)
    window = window_of(experiment, now)
    names = [str(v["name"]) for v in experiment.variants]
    exposure = exposure_for(experiment.exposure_event, experiment.feature_flag)
    totals = read_totals(
        store, project_id, exposure=exposure, metric=metric, variants=names, window=window
    )
    control = totals.variants[0]
    days = (window.end - window.start).total_seconds() / 86_400
    exposed = sum(v.n for v in totals.variants)
    source = f"experiment {experiment.id}: {control.variant} over {days:.1f} days"
    return _traffic(
        metric, control.n, control.sum, control.sum_squares, days, source, action, exposed
    )


def measure_for_action(
    session: Session,
    store: EventStore,
    project_id: int,
    action_id: int,
    *,
    metric: ExperimentMetric | None = None,
    now: datetime | None = None,
    days: int = RECENT_DAYS,
) -> MeasuredTraffic:
    """The impact KPI's (or ``metric``'s) baseline and active persons per day, last ``days``."""
    action = get_action(session, project_id, action_id)
    if metric is None:
        kpi = session.get(Kpi, action.impact_kpi_id) if action.impact_kpi_id else None
        if kpi is None:
            raise InvalidInput("action_id", f"action {action_id} has no impact KPI: name a metric")
        metric = metric_from_kpi(kpi.kind, kpi.definition or {})
    return _recent(store, project_id, metric, action, now, days)


def _recent(
    store: EventStore,
    project_id: int,
    metric: ExperimentMetric,
    action: Action,
    now: datetime | None,
    days: int = RECENT_DAYS,
) -> MeasuredTraffic:
    end = now or datetime.now(UTC)
    n, total, squares = recent_totals(
        store, project_id, metric, Window(end - timedelta(days=days), end)
    )
    source = f"persons active in the last {days} days"
    return _traffic(metric, n, total, squares, float(days), source, action, n)


def recent_totals(
    store: EventStore, project_id: int, metric: ExperimentMetric, window: Window
) -> tuple[int, float, float]:
    """Persons with any event in ``window``, and the sum and sum of squares of their metric."""
    p = printer_for(store.dialect)
    rows = run(store, p.compiled(recent_sql(p, project_id, metric, window)))
    n, total, squares = (float(x or 0) for x in rows[0]) if rows else (0.0, 0.0, 0.0)
    return int(n), total, squares


def recent_sql(p: Printer, project_id: int, metric: ExperimentMetric, window: Window) -> str:
    """Per active person of ``window``, the metric's value; summed as n, sum, sum of squares."""
    hit = f"event = {p.param(metric.event)}"
    if metric.kind == "conversion":
        value = f"max(CASE WHEN {hit} THEN 1 ELSE 0 END)"
    elif metric.kind == "count":
        value = f"sum(CASE WHEN {hit} THEN 1 ELSE 0 END)"
    else:
        amount = p.to_number(p.json_text("properties", str(metric.property)))
        value = f"sum(CASE WHEN {hit} THEN coalesce({amount}, 0) ELSE 0 END)"
    return f"""
SELECT count(*), sum(value), sum(value * value)
FROM (
    SELECT person, {value} AS value
    FROM (
        SELECT {p.person()} AS person, e.event AS event, e.properties AS properties
        {events_from(p)}
        WHERE e.project_id = {p.param(int(project_id))}
            AND e.timestamp >= {p.from_micros(p.param(epoch_micros(window.start)))}
            AND e.timestamp < {p.from_micros(p.param(epoch_micros(window.end)))}
    ) AS seen
    GROUP BY person
) AS per_person"""


def _traffic(
    metric: ExperimentMetric,
    n: int,
    total: float,
    squares: float,
    days: float,
    source: str,
    action: Action,
    exposed: int,
) -> MeasuredTraffic:
    if n < 2:
        raise InvalidInput("baseline", f"not enough data: {n} person(s) measured ({source})")
    if metric.kind == "conversion":
        baseline, variance = Proportion(n, total).mean, None
    else:
        stat = SampleMean(n, total, squares)
        baseline, variance = stat.mean, stat.variance
    base = action.baseline or baseline
    expected = action.expected_change / base if action.expected_change and base else None
    daily = exposed / days if days > 0 else 0.0
    return MeasuredTraffic(metric, n, days, baseline, variance, daily, source, expected)


@dataclass(frozen=True)
class PowerPlan:
    """The inputs used (given or measured) and the persons and days they call for."""

    baseline: float
    mde: float
    variance: float | None
    daily_traffic: float | None
    variants: int
    result: PowerResult
    measured: MeasuredTraffic | None = None


def plan_power(
    measured: MeasuredTraffic | None = None,
    *,
    baseline: float | None = None,
    mde: float | None = None,
    daily_traffic: float | None = None,
    variance: float | None = None,
    variants: int = 2,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PowerPlan:
    """Persons and days to detect ``mde``; each input given overrides the measured one."""
    base = baseline if baseline is not None else (measured.baseline if measured else None)
    if base is None:
        raise InvalidInput("baseline", "give a baseline, or an experiment or action to measure")
    change = mde if mde is not None else (measured.expected_change if measured else None)
    if change is None:
        raise InvalidInput("mde", "give the change to detect (the action states none)")
    if variance is None and measured is not None and measured.metric.kind != "conversion":
        variance = measured.variance
    if daily_traffic is None and measured is not None:
        daily_traffic = measured.daily_traffic
    result = sample_size(
        base,
        change,
        daily_traffic=daily_traffic,
        variants=variants,
        variance=variance,
        alpha=alpha,
        power=power,
    )
    if result.error:
        raise InvalidInput(_field_of(result.error), result.error)
    return PowerPlan(base, change, variance, daily_traffic, variants, result, measured)


def _field_of(error: str) -> str:
    """The input a power error is about, named as the API names it."""
    for word, field in (("traffic", "daily_traffic"), ("baseline", "baseline")):
        if word in error:
            return field
    for field in ("variance", "alpha", "variants"):
        if field in error:
            return field
    return "mde"
