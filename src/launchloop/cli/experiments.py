"""Experiment commands: ``launchloop experiment analyze``, ``power`` and ``decide``."""

from __future__ import annotations

import getpass
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.knowledge import Author
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.experiments.analysis import AnalysisSettings, ExperimentResult, VariantResult
from launchloop.experiments.design import ExperimentMetric, metric_of
from launchloop.experiments.planning import (
    MeasuredTraffic,
    measure_for_action,
    measure_for_experiment,
    plan_power,
)
from launchloop.experiments.snapshots import analyze_experiment
from launchloop.knowledge.decisions import decide_with_learning
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime

console = Console()
experiment_app = typer.Typer(help="Experiments: analyse, plan.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("analyze")
def analyze(
    experiment_id: int = typer.Argument(..., help="The experiment's id."),
    kind: str | None = typer.Option(None, "--kind", help="conversion, count or sum."),
    event: str | None = typer.Option(None, "--event", help="The metric's event."),
    prop: str | None = typer.Option(None, "--property", help="The property a sum adds up."),
    sequential: bool = typer.Option(False, "--sequential", help="Always-valid intervals."),
    tau: float = typer.Option(5000.0, "--tau", min=1e-9, help="Sequential tuning parameter."),
    cuped_days: int | None = typer.Option(
        None, "--cuped-days", min=1, max=365, help="CUPED over N days before exposure."
    ),
    difference: str = typer.Option("relative", "--difference", help="relative or absolute."),
    correction: str = typer.Option("holm", help="holm, benjamini-hochberg or none."),
    expected_change: float | None = typer.Option(
        None, "--expected-change", help="Relative change to power for (default: the action's)."
    ),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Analyse an experiment from the events and store the snapshot on it."""
    metric = metric_of(kind or "conversion", event, prop) if event or kind else None
    settings = AnalysisSettings(
        difference=_choice(difference, ("relative", "absolute"), "--difference"),  # type: ignore[arg-type]
        sequential=sequential,
        tau=tau,
        cuped_days=cuped_days,
        correction=_choice(correction, ("holm", "benjamini-hochberg", "none"), "--correction"),  # type: ignore[arg-type]
        expected_change=expected_change,
    )
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        caller = Caller(resolve_project(runtime, project), "admin", author or getpass.getuser())
        with runtime.database.session() as session:
            stored, result = analyze_experiment(
                session, caller, runtime.store, experiment_id, metric=metric, settings=settings
            )
            snapshot, analysis_id = stored.snapshot, stored.id
    finally:
        runtime.close()
    if as_json:
        typer.echo(orjson.dumps({"id": analysis_id, **snapshot}).decode())
        return
    _print_result(result)


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise InvalidInput(option, f"must be one of {', '.join(allowed)}")
    return value


def _print_result(result: ExperimentResult) -> None:
    if result.error:
        console.print(f"[yellow]{result.error}[/yellow]")
    table = Table("variant", "units", "mean", "effect", "interval", "p", "chance to win", "risk")
    for v in result.variants:
        table.add_row(v.name, str(v.units), f"{v.mean:.4g}", *_comparison(v))
    console.print(table)
    srm = result.srm
    flag = "[red]SAMPLE RATIO MISMATCH[/red] " if srm.flagged else ""
    console.print(
        f"{flag}SRM p = {srm.p_value:.4g}; excluded (several variants): {result.multiple_exposures}"
    )
    if result.power and result.power.error is None:
        days = "?" if result.power.days is None else str(result.power.days)
        console.print(f"units needed per variant: {result.power.per_variant}; days: {days}")


def _comparison(v: VariantResult) -> list[str]:
    found, belief = v.frequentist, v.bayesian
    if found is None:
        return ["control", "", "", "", ""]
    if found.error or belief is None:
        return [found.error or "", "", "", "", ""]
    p = v.adjusted_p_value if v.adjusted_p_value is not None else found.p_value
    return [
        f"{found.effect:+.4g}",
        f"[{found.ci[0]:+.4g}, {found.ci[1]:+.4g}]",
        f"{p:.4g}",
        f"{belief.chance_to_win:.1%}",
        f"{belief.risk[0]:.3g} / {belief.risk[1]:.3g}",
    ]


@experiment_app.command("power")
def power(
    experiment_id: int | None = typer.Option(
        None, "--experiment", help="Measure baseline and traffic from this experiment."
    ),
    action_id: int | None = typer.Option(
        None, "--action", help="Measure them from this action's impact KPI (last 28 days)."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="Measured metric: conversion, count, sum."
    ),
    event: str | None = typer.Option(None, "--event", help="The measured metric's event."),
    prop: str | None = typer.Option(None, "--property", help="The property a sum adds up."),
    baseline: float | None = typer.Option(
        None, "--baseline", help="Control's rate or mean per person (overrides the measure)."
    ),
    mde: float | None = typer.Option(
        None, "--mde", help="Relative change to detect, 0.05 = +5% (default: the action's)."
    ),
    daily_traffic: float | None = typer.Option(
        None, "--daily-traffic", help="Persons exposed per day, all variants."
    ),
    variance: float | None = typer.Option(
        None, "--variance", help="Per-person variance of a mean metric (omit for a rate)."
    ),
    variants: int = typer.Option(2, "--variants", min=2, help="Variants, control included."),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level."),
    target_power: float = typer.Option(0.8, "--power", help="Chance to detect the change."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Persons and days needed to detect a relative change of a baseline."""
    measured = None
    if experiment_id is not None or action_id is not None:
        metric = metric_of(kind or "conversion", event, prop) if event or kind else None
        measured = _measured(experiment_id, action_id, metric, data_dir, project)
    plan = plan_power(
        measured,
        baseline=baseline,
        mde=mde,
        daily_traffic=daily_traffic,
        variance=variance,
        variants=variants,
        alpha=alpha,
        power=target_power,
    )
    result = plan.result
    if as_json:
        inputs = {k: getattr(plan, k) for k in ("baseline", "mde", "variance", "daily_traffic")}
        source = measured.source if measured else None
        typer.echo(orjson.dumps({**result.__dict__, **inputs, "measured_from": source}).decode())
        return
    if measured:
        console.print(
            f"measured ({measured.source}): baseline {measured.baseline:.4g}, "
            f"{measured.daily_traffic:.1f} persons per day"
        )
    days = "unknown (give --daily-traffic)" if result.days is None else str(result.days)
    console.print(
        f"{result.per_variant:,} persons per variant, {result.total:,} in all; days: {days}"
    )


def _measured(
    experiment_id: int | None,
    action_id: int | None,
    metric: ExperimentMetric | None,
    data_dir: Path | None,
    project: int | None,
) -> MeasuredTraffic:
    """Baseline and traffic measured in the store for the experiment (else the action)."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            if experiment_id is not None:
                return measure_for_experiment(
                    session, runtime.store, project_id, experiment_id, metric=metric
                )
            return measure_for_action(
                session, runtime.store, project_id, int(action_id or 0), metric=metric
            )
    finally:
        runtime.close()


@experiment_app.command("decide")
def decide(
    experiment_id: int = typer.Argument(..., help="The experiment's id."),
    decision: str = typer.Option(..., "--decision", help="ship, iterate or stop."),
    reason: str = typer.Option(..., "--reason", help="Why, in a sentence."),
    variant: str | None = typer.Option(
        None, "--variant", help="The treatment whose impact is recorded (default: likeliest)."
    ),
    title: str | None = typer.Option(None, "--title", help="The learning's title."),
    generalize: bool = typer.Option(False, "--generalize", help="A learning to generalize."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Decide an experiment and record its learning: measured impact vs expected change."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        caller = Caller(resolve_project(runtime, project), "admin", author or getpass.getuser())
        with runtime.database.session() as session:
            experiment, learning = decide_with_learning(
                session,
                caller,
                experiment_id,
                decision=decision,
                reason=reason,
                variant=variant,
                title=title,
                generalize=generalize,
            )
            shown = {
                "experiment_id": experiment.id,
                "status": experiment.status,
                "decision": experiment.decision,
                "learning_id": learning.id,
                "expected_change": learning.expected_change,
                "measured_change": learning.measured_change,
                "context": learning.context,
            }
    finally:
        runtime.close()
    if as_json:
        typer.echo(orjson.dumps(shown).decode())
        return
    console.print(f"experiment {experiment_id}: {decision}; learning {shown['learning_id']}")
    console.print(str(shown["context"]))
