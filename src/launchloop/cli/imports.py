"""``launchloop import``: bulk-load a CSV, JSONL or Parquet file of events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.ingest.importers import (
    FORMATS,
    Format,
    ImportReport,
    format_for_path,
    import_events,
)
from launchloop.runtime import open_runtime

console = Console()
err_console = Console(stderr=True)
SHOWN_BAD_ROWS = 20

FileArgument = Annotated[
    Path, typer.Argument(help="The file of events: CSV (with a header), JSONL or Parquet.")
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv, jsonl or parquet (default: from the file's extension)."),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="column=field: a column to event, distinct_id, timestamp, uuid, properties "
        "(a JSON object) or properties.NAME. Repeatable.",
    ),
]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["col=field", ...]`` as a dict; a pair without ``=`` is refused."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise InvalidInput("map", f"{pair!r} is not column=field")
        mapping[column.strip()] = target.strip()
    return mapping


def _format(file: Path, fmt: str | None) -> Format:
    if fmt is None:
        return format_for_path(file)
    if fmt.lower() not in FORMATS:
        raise InvalidInput("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    return fmt.lower()  # type: ignore[return-value]


@app.command("import")
def import_file(
    file: FileArgument,
    fmt: FormatOption = None,
    mapping: MapOption = None,
    project: ProjectOption = None,
    data_dir: DataDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Import events from a file; bad rows are listed with their line numbers."""
    chosen = _format(file, fmt)
    columns = parse_mapping(mapping or [])
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with _progress_bar(hidden=as_json) as progress:
            task = progress.add_task(file.name, total=None)
            report = import_events(
                file,
                fmt=chosen,
                mapping=columns,
                project_id=project_id,
                writer=runtime.writer,
                max_event_bytes=runtime.settings.max_event_bytes,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        runtime.close()
    if as_json:
        typer.echo(orjson.dumps(_report_json(file, chosen, report)).decode())
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(1)


def _progress_bar(*, hidden: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=hidden,
    )


def _report_json(file: Path, fmt: Format, report: ImportReport) -> dict[str, Any]:
    return {
        "file": str(file),
        "format": fmt,
        "rows_read": report.rows_read,
        "events_stored": report.events_stored,
        "bad_rows": [row._asdict() for row in report.bad_rows],
    }


def _print_report(report: ImportReport) -> None:
    style = "red" if report.failed else ("yellow" if report.bad_rows else "green")
    console.print(
        f"[{style}]Read {report.rows_read} rows: {report.events_stored} events stored, "
        f"{len(report.bad_rows)} bad rows.[/{style}]"
    )
    if not report.bad_rows:
        return
    table = Table("line", "field", "reason")
    for row in report.bad_rows[:SHOWN_BAD_ROWS]:
        table.add_row(str(row.line), escape(row.field), escape(row.reason))
    console.print(table)
    hidden = len(report.bad_rows) - SHOWN_BAD_ROWS
    if hidden > 0:
        console.print(f"... and {hidden} more bad rows (--json lists them all).")
