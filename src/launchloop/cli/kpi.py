"""Commands over KPIs and launches kept in the knowledge base: sync, list, eval, launch.

``launchloop.toml``'s ``[[kpis]]`` and ``[[launches]]`` are synced into every project whenever
the stores open (each command, the server's start) and by ``launchloop kpi sync``.
"""

from __future__ import annotations

from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from launchloop.analytics.catalog import Catalog, load_catalog
from launchloop.analytics.kpis import evaluate_kpi, period_range
from launchloop.analytics.launches import compare_launch
from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.knowledge.launches import catalog_of, sync_projects
from launchloop.knowledge.project_time import project_day
from launchloop.runtime import Runtime, open_runtime

console = Console()
kpi_app = typer.Typer(help="KPIs and launches (knowledge base).", no_args_is_help=True)
app.add_typer(kpi_app, name="kpi")

UntilOption = typer.Option(None, "--until", help="Last day read, YYYY-MM-DD (default: today).")


def _echo_json(value: Any) -> None:
    typer.echo(orjson.dumps(value).decode())


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"


def _catalog(runtime: Runtime, project_id: int) -> Catalog:
    with runtime.database.session() as session:
        return catalog_of(session, project_id)


@kpi_app.command("sync")
def sync(data_dir: DataDir = None, as_json: JsonOutput = False) -> None:
    """Upsert the KPIs and launches of launchloop.toml into every project (by name)."""
    catalog = load_catalog()
    runtime = open_runtime(load_settings(data_dir=data_dir))  # opening syncs once already
    try:
        with runtime.database.session() as session:
            projects = sync_projects(session, catalog)
    finally:
        runtime.close()
    counts = {"projects": projects, "kpis": len(catalog.kpis), "launches": len(catalog.launches)}
    if as_json:
        _echo_json(counts)
        return
    console.print(
        f"{counts['kpis']} KPI(s) and {counts['launches']} launch(es) synced into "
        f"{projects} project(s)"
    )


@kpi_app.command("list")
def list_kpis(
    data_dir: DataDir = None, project: ProjectOption = None, as_json: JsonOutput = False
) -> None:
    """List the project's KPIs: kind, events, owner team, target and direction."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        kpis = _catalog(runtime, resolve_project(runtime, project)).kpis
    finally:
        runtime.close()
    if as_json:
        _echo_json([kpi.as_dict() for kpi in kpis])
        return
    table = Table("name", "kind", "events", "owner", "target", "direction")
    for kpi in kpis:
        table.add_row(
            kpi.name,
            kpi.kind,
            ", ".join(kpi.numerator_events),
            kpi.owner_team,
            _fmt(kpi.target),
            kpi.direction,
        )
    console.print(table)


@kpi_app.command("eval")
def eval_kpi(
    name: str = typer.Argument(..., help="The KPI's name."),
    period: str = typer.Option("7d", help="Days (7d) or weeks (4w) ending on --until."),
    until: str = UntilOption,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Evaluate a KPI: value, previous period, target gap and daily series."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        kpi = _catalog(runtime, project_id).kpi(name)
        last, time_zone = project_day(runtime.database, project_id, until)
        reading = evaluate_kpi(
            runtime.store, project_id, kpi, period_range(period, until=last, time_zone=time_zone)
        )
    finally:
        runtime.close()
    if as_json:
        _echo_json(reading.as_dict())
        return
    console.print(
        f"[bold]{kpi.name}[/bold] ({kpi.kind}, {kpi.owner_team}) "
        f"{reading.span.start} .. {reading.span.end}: [bold]{_fmt(reading.value)}[/bold] "
        f"(previous {_fmt(reading.previous)}, target {_fmt(kpi.target)} {kpi.direction}, "
        f"gap {_fmt(reading.target_gap)})"
    )
    table = Table("day", "value")
    for point in reading.series:
        table.add_row(point.day.isoformat(), _fmt(point.value))
    console.print(table)


@kpi_app.command("launch")
def launch(
    name: str = typer.Argument(..., help="The launch's name."),
    days: int = typer.Option(14, min=1, max=365, help="Days on each side of the launch date."),
    until: str = UntilOption,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Compare a launch's KPIs before and after its date."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        catalog = _catalog(runtime, project_id)
        declared = catalog.launch(name)
        last, time_zone = project_day(runtime.database, project_id, until)
        result = compare_launch(
            runtime.store,
            project_id,
            declared,
            catalog.kpis,
            days=days,
            today=last,
            time_zone=time_zone,
        )
    finally:
        runtime.close()
    if as_json:
        _echo_json(result.as_dict())
        return
    console.print(
        f"[bold]{declared.name}[/bold] on {declared.date}: before {result.before.start} .. "
        f"{result.before.end}, after {result.after.start} .. {result.after.end}"
    )
    table = Table("kpi", "owner", "before", "after", "change", "improved")
    for row in result.kpis:
        table.add_row(
            row.kpi.name,
            row.kpi.owner_team,
            _fmt(row.before.value),
            _fmt(row.after.value),
            _fmt(row.change),
            {True: "yes", False: "no", None: "-"}[row.improved],
        )
    console.print(table)
