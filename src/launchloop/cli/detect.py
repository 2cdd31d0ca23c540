"""Detection commands: ``launchloop detect run``."""

from __future__ import annotations

import getpass
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.knowledge import Author, print_json
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.detect.run import DetectionReport, detection_window, run_detection
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime

console = Console()
detect_app = typer.Typer(help="Detectors: find what changed, draft insights.", no_args_is_help=True)
app.add_typer(detect_app, name="detect")


@detect_app.command("run")
def detect_run(
    since: str = typer.Option(
        None, "--since", help="First day read, YYYY-MM-DD (the period runs to --until)."
    ),
    until: str = typer.Option(None, "--until", help="Last day read, YYYY-MM-DD (default: today)."),
    days: int = typer.Option(None, "--days", help="Days of the period under watch (default 7)."),
    baseline_days: int = typer.Option(28, "--baseline-days", help="Days of baseline before it."),
    no_draft: bool = typer.Option(False, "--no-draft", help="Store signals, draft no insight."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Run every detector; new findings become signals, grouped into draft insights."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        window = detection_window(
            runtime.database, project_id, until=until, since=since, days=days,
            baseline_days=baseline_days,
        )  # fmt: skip
        caller = Caller(project_id, "admin", author or getpass.getuser())
        with runtime.database.session() as session:
            report = run_detection(session, runtime.store, caller, window, draft=not no_draft)
            summary = report_dict(report)
    finally:
        runtime.close()
    if as_json:
        print_json(summary)
        return
    _print(summary)


def report_dict(report: DetectionReport) -> dict[str, Any]:
    """A run's report as JSON-ready values."""
    span = report.window.current
    return {
        "date_from": span.start.isoformat(),
        "date_to": span.end.isoformat(),
        "created": [
            {"id": s.id, "kind": s.kind, "text": s.text, "payload": s.payload}
            for s in report.created
        ],
        "already_known": report.already_known,
        "drafted_insight_ids": [i.id for i in report.drafts.created],
        "enriched_insight_ids": [i.id for i in report.drafts.enriched],
        "dismissed_subjects": report.drafts.dismissed,
        "problems": report.problems,
    }


def _print(summary: dict[str, Any]) -> None:
    table = Table("id", "kind", "text")
    for row in summary["created"]:
        table.add_row(str(row["id"]), row["kind"], escape(row["text"]))
    console.print(f"Period {summary['date_from']} to {summary['date_to']}")
    console.print(table)
    console.print(
        f"{len(summary['created'])} new signals, {summary['already_known']} already known; "
        f"{len(summary['drafted_insight_ids'])} draft insights, "
        f"{len(summary['enriched_insight_ids'])} insights with new evidence"
    )
    for problem in summary["problems"]:
        console.print(f"[yellow]problem:[/yellow] {escape(problem)}")
