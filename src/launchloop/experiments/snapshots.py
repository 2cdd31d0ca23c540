"""Analyse a stored experiment from the events and keep the snapshot on it.

The experiment names its variants (the first is the control), its exposure and its dates
(``started_at`` to ``ended_at``, or now while it runs); its primary KPI gives the metric unless
one is passed. The snapshot holds the inputs (window, exposure, metric, per-variant totals), the
method and the results, so a later reader can recompute or audit it.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.experiments.analysis import AnalysisSettings, ExperimentResult, analyze
from launchloop.experiments.design import ExperimentMetric, exposure_for, metric_from_kpi
from launchloop.experiments.guardrails import check_guardrails
from launchloop.experiments.totals import Window, read_totals
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.experiments import add_analysis, get_experiment
from launchloop.knowledge.models import Experiment, ExperimentAnalysis, Kpi
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.store.base import EventStore


def method_name(settings: AnalysisSettings) -> str:
    """A short name of the method, stored beside the snapshot."""
    test = "sequential" if settings.sequential else "fixed-horizon"
    cuped = "+cuped" if settings.cuped_days else ""
    return f"{test}{cuped}+bayesian"


def window_of(experiment: Experiment, now: datetime | None = None) -> Window:
    """The experiment's dates; InvalidInput when it never started or its dates are reversed."""
    if experiment.started_at is None:
        raise InvalidInput("started_at", "the experiment has not started: nothing to analyse")
    start = _utc(experiment.started_at)
    end = _utc(experiment.ended_at) if experiment.ended_at else (now or datetime.now(UTC))
    if end <= start:
        raise InvalidInput("ended_at", "the experiment ends before it starts")
    return Window(start, end)


def metric_for(session: Session, experiment: Experiment) -> ExperimentMetric:
    """The metric of the experiment's primary KPI (InvalidInput when it has none)."""
    if experiment.primary_kpi_id is None:
        raise InvalidInput("metric", "the experiment has no primary KPI: name a metric")
    kpi = session.get(Kpi, experiment.primary_kpi_id)
    if kpi is None:
        raise InvalidInput("metric", "the experiment's primary KPI is gone: name a metric")
    return metric_from_kpi(kpi.kind, kpi.definition or {})


def analyze_experiment(
    session: Session,
    caller: Caller,
    store: EventStore,
    experiment_id: int,
    *,
    metric: ExperimentMetric | None = None,
    settings: AnalysisSettings | None = None,
    now: datetime | None = None,
) -> tuple[ExperimentAnalysis, ExperimentResult]:
    """Read the experiment's totals from ``store``, analyse them and store the snapshot."""
    experiment = get_experiment(session, caller.project_id, experiment_id)
    require_writer(caller, "analysing an experiment")  # a viewer hears 403, not a metric error
    window = window_of(experiment, now)
    metric = metric or metric_for(session, experiment)
    settings = _with_expected_change(session, caller, experiment, settings or AnalysisSettings())
    names = [str(v["name"]) for v in experiment.variants]
    exposure = exposure_for(experiment.exposure_event, experiment.feature_flag)
    totals = read_totals(
        store,
        caller.project_id,
        exposure=exposure,
        metric=metric,
        variants=names,
        window=window,
        cuped_days=settings.cuped_days,
    )
    weights = [float(v.get("weight", 1.0)) for v in experiment.variants]
    days = (window.end - window.start).total_seconds() / 86_400
    result = analyze(totals, metric, weights, settings, days_running=days)
    guardrails = check_guardrails(
        session, store, experiment, exposure=exposure, window=window, settings=settings
    )
    snapshot = {
        "inputs": {
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "exposure": asdict(exposure),
            "weights": weights,
            "totals": [asdict(v) for v in totals.variants],
        },
        "computed_at": datetime.now(UTC).isoformat(),
        **result.snapshot(),
        "guardrails": [g.snapshot() for g in guardrails],
        "guardrails_harmed": [f"{g.name}: {v}" for g in guardrails for v in g.harmed],
    }
    analysis = add_analysis(
        session, caller, experiment_id, method=method_name(settings), snapshot=snapshot
    )
    return analysis, result


def _with_expected_change(
    session: Session, caller: Caller, experiment: Experiment, settings: AnalysisSettings
) -> AnalysisSettings:
    """The settings, with the action's expected change (relative to its baseline) if none given.

    An action states its expected change in its KPI's units beside a baseline; the power
    computation needs it relative, so an action without a baseline gives none.
    """
    if settings.expected_change is not None:
        return settings
    action = get_action(session, caller.project_id, experiment.action_id)
    if action.expected_change is None or not action.baseline:
        return settings
    return replace(settings, expected_change=action.expected_change / action.baseline)


def _utc(moment: datetime) -> datetime:
    """SQLite returns stored UTC times without their zone: say they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def latest_analysis(session: Session, project_id: int, experiment_id: int) -> ExperimentAnalysis:
    """The newest analysis snapshot of an experiment (NotFound when it has none)."""
    experiment = get_experiment(session, project_id, experiment_id)
    if not experiment.analyses:
        raise NotFound(f"experiment {experiment_id} has no analysis yet")
    return experiment.analyses[-1]
