"""Signal commands: ``launchloop signal add``, ``list``, and ``insight`` (draft one from it)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.knowledge import (
    Author,
    console,
    insight_dict,
    knowledge_session,
    print_json,
    show,
)
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.knowledge.insights import draft_insight_from_signal
from launchloop.knowledge.models import Signal
from launchloop.knowledge.signals import create_signal, list_signals

signal_app = typer.Typer(help="Signals: things worth a look.", no_args_is_help=True)
app.add_typer(signal_app, name="signal")


@signal_app.command("add")
def signal_add(
    kind: str,
    text: str,
    source: str = typer.Option("", help="Where it comes from (default: person / detector)."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Record a signal (kpi_moved, kpi_off_target, funnel_drop, ..., observation)."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        signal = create_signal(session, caller, kind=kind, text=text, source=source)
        show(_signal_dict(signal), as_json)


@signal_app.command("list")
def signal_list(
    kind: str = typer.Option(None, help="Only signals of this kind."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """List signals, newest first."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [_signal_dict(s) for s in list_signals(session, caller.project_id, kind=kind)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "observed_at", "text")
    for row in rows:
        table.add_row(str(row["id"]), row["kind"], str(row["observed_at"]), row["text"])
    console.print(table)


@signal_app.command("insight")
def signal_insight(
    signal_id: int,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Draft an insight stating the signal's text, with the signal as its first evidence."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        insight = draft_insight_from_signal(session, caller, signal_id)
        show(insight_dict(insight), as_json)


def _signal_dict(signal: Signal) -> dict[str, Any]:
    fields = ("id", "kind", "source", "text", "observed_at", "team_id", "kpi_id", "payload")
    return {f: getattr(signal, f) for f in fields}
