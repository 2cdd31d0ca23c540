"""``launchloop feedback``: import help-desk exports, add an observation, read the themes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.feedback.importers import PRESETS, ImportReport, import_feedback
from launchloop.feedback.irritants import Irritant, parse_period, rank_project_irritants
from launchloop.feedback.items import add_items
from launchloop.feedback.themes import merge_themes, refresh_themes, rename_theme, split_theme
from launchloop.runtime import open_runtime

console = Console()
err_console = Console(stderr=True)
feedback_app = typer.Typer(help="Field feedback: import, observe, themes.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")
SHOWN_BAD_ROWS = 20

PresetOption = Annotated[
    str, typer.Option("--preset", help=f"Column names of the export: {', '.join(PRESETS)}.")
]


@feedback_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV (with a header) or JSONL export.")],
    preset: PresetOption = "generic",
    project: ProjectOption = None,
    data_dir: DataDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Import feedback items; re-importing the same export skips what is stored."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json,
        )
        with progress:
            task = progress.add_task(file.name, total=None)
            report = import_feedback(
                runtime.database,
                file,
                project_id=project_id,
                preset=preset,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        runtime.close()
    _print_import(report, as_json)
    if report.bad_rows and not report.stored and not report.duplicates:
        raise typer.Exit(1)


def _print_import(report: ImportReport, as_json: bool) -> None:
    if as_json:
        answer = {
            "rows_read": report.rows_read,
            "stored": report.stored,
            "duplicates": report.duplicates,
            "bad_rows": [row._asdict() for row in report.bad_rows],
        }
        typer.echo(orjson.dumps(answer).decode())
        return
    console.print(
        f"Read {report.rows_read} rows: {report.stored} items stored, "
        f"{report.duplicates} already there, {len(report.bad_rows)} bad rows."
    )
    if report.bad_rows:
        table = Table("line", "field", "reason")
        for row in report.bad_rows[:SHOWN_BAD_ROWS]:
            table.add_row(str(row.line), escape(row.field), escape(row.reason))
        console.print(table)


@feedback_app.command("add")
def add_command(
    text: Annotated[str, typer.Argument(help="What was seen or heard.")],
    kind: Annotated[str, typer.Option(help="Kind of item.")] = "observation",
    author: Annotated[
        str | None, typer.Option(help="Person concerned: distinct id or email.")
    ] = None,
    channel: Annotated[str, typer.Option(help="Where: sales call, meeting, ...")] = "",
    page: Annotated[str | None, typer.Option(help="Page or screen concerned.")] = None,
    feature: Annotated[str | None, typer.Option(help="Feature concerned.")] = None,
    score: Annotated[float | None, typer.Option(help="NPS 0-10, CSAT 1-5, review 1-5.")] = None,
    project: ProjectOption = None,
    data_dir: DataDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Add one feedback item, by default an observation from a call or a meeting."""
    row = {
        "kind": kind,
        "text": text,
        "author": author,
        "channel": channel,
        "page": page,
        "feature": feature,
        "score": score,
    }
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            report = add_items(session, project_id=project_id, rows=[row], source="cli")
    finally:
        runtime.close()
    if report.bad_rows:
        bad = report.bad_rows[0]
        raise InvalidInput(bad.field, bad.reason)
    if as_json:
        typer.echo(orjson.dumps({"id": report.stored[0]}).decode())
    else:
        console.print(f"Feedback item {report.stored[0]} added.")


@feedback_app.command("themes")
def themes_command(
    period: Annotated[str, typer.Option(help="Window: 24h, 7d, 4w ...")] = "7d",
    recluster: Annotated[bool, typer.Option(help="Regroup every item from scratch.")] = False,
    count: Annotated[int | None, typer.Option(help="Number of themes (with regrouping).")] = None,
    funnel: Annotated[
        str | None,
        typer.Option(help="Funnel KPI whose drops are counted (default: the first by name)."),
    ] = None,
    project: ProjectOption = None,
    data_dir: DataDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Update the themes with new items, then rank them as irritants over the period."""
    span = parse_period(period)
    settings = load_settings(data_dir=data_dir)
    runtime = open_runtime(settings)
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            refresh_themes(session, project_id=project_id, recluster=recluster, count=count)
        with runtime.database.session() as session:
            ranked = rank_project_irritants(
                session,
                project_id=project_id,
                period=span,
                store=runtime.store,
                settings=settings,
                funnel_name=funnel,
            )
    finally:
        runtime.close()
    if as_json:
        typer.echo(orjson.dumps([i.as_dict() for i in ranked]).decode())
        return
    _print_irritants(ranked, period)


def _print_irritants(ranked: list[Irritant], period: str) -> None:
    if not ranked:
        console.print(f"No themed feedback in the last {period}.")
        return
    table = Table(
        "id", "theme", "items", "trend", "negative", "persons", "active", "paying", "dropped",
        "pages", "quote",
    )  # fmt: skip
    for irritant in ranked:
        trend = f"x{irritant.trend:g}" if irritant.trend is not None else "new"
        share = irritant.share_negative or 0.0
        quote = irritant.quotes[0]["text"][:80] if irritant.quotes else ""
        worst = irritant.worst_drop
        table.add_row(
            str(irritant.theme_id),
            escape(irritant.name),
            str(irritant.volume),
            trend,
            f"{share:.0%}",
            str(irritant.persons),
            _count(irritant.active),
            _count(irritant.paying),
            escape(f"{worst.persons} after {worst.name}") if worst else "",
            escape(", ".join(irritant.mentioned_pages or irritant.pages)),
            escape(quote),
        )
    console.print(table)


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


@feedback_app.command("rename")
def rename_command(
    theme: Annotated[int, typer.Argument(help="Theme id.")],
    name: Annotated[str, typer.Argument(help="The new name.")],
    project: ProjectOption = None,
    data_dir: DataDir = None,
) -> None:
    """Rename a theme; refreshes keep a name given by a person."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            rename_theme(session, project_id=project_id, theme_id=theme, name=name)
    finally:
        runtime.close()
    console.print(f"Theme {theme} renamed.")


@feedback_app.command("merge")
def merge_command(
    into: Annotated[int, typer.Argument(help="Theme id that stays.")],
    others: Annotated[list[int], typer.Argument(help="Theme ids folded into it.")],
    project: ProjectOption = None,
    data_dir: DataDir = None,
) -> None:
    """Merge themes into one."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            merged = merge_themes(session, project_id=project_id, into=into, others=others)
            size = merged.size
    finally:
        runtime.close()
    console.print(f"Theme {into} now holds {size} items.")


@feedback_app.command("split")
def split_command(
    theme: Annotated[int, typer.Argument(help="Theme id.")],
    parts: Annotated[int, typer.Option(help="How many themes to make.")] = 2,
    project: ProjectOption = None,
    data_dir: DataDir = None,
) -> None:
    """Split a theme by meaning; the largest part keeps the id."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            made = [
                t.id
                for t in split_theme(session, project_id=project_id, theme_id=theme, parts=parts)
            ]
    finally:
        runtime.close()
    console.print(f"Theme {theme} split into {', '.join(map(str, made))}.")
