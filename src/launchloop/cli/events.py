"""Commands over events: import files, tail recent events."""

from __future__ import annotations

from datetime import datetime

import orjson
import typer
from rich.console import Console
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import NotFound
from launchloop.knowledge.projects import list_projects
from launchloop.runtime import Runtime, open_runtime

console = Console()
events_app = typer.Typer(help="Read events back.", no_args_is_help=True)
app.add_typer(events_app, name="events")


def resolve_project(runtime: Runtime, project: int | None) -> int:
    """The project id given, or the first project of the data dir."""
    with runtime.database.session() as session:
        ids = [p.id for p in list_projects(session)]
    if not ids:
        raise NotFound("no project yet: run `launchloop init` first")
    if project is None:
        return ids[0]
    if project not in ids:
        raise NotFound(f"no project with id {project}")
    return project


@events_app.command("tail")
def tail(
    data_dir: DataDir = None,
    project: ProjectOption = None,
    event: str = typer.Option(None, help="Only this event name."),
    distinct_id: str = typer.Option(None, help="Only this distinct id."),
    limit: int = typer.Option(20, min=1, max=10_000, help="How many events."),
    as_json: JsonOutput = False,
) -> None:
    """Print the most recent events, newest first."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        rows = runtime.store.recent_events(
            project_id, event=event, distinct_id=distinct_id, limit=limit
        )
    finally:
        runtime.close()
    if as_json:
        typer.echo(orjson.dumps(rows, default=_jsonable).decode())
        return
    table = Table("timestamp", "event", "distinct_id", "person_id", "path")
    for row in rows:
        table.add_row(
            str(row["timestamp"]), row["event"], row["distinct_id"], row["person_id"], row["path"]
        )
    console.print(table)


def _jsonable(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError
