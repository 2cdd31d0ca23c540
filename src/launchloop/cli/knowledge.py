"""Knowledge base commands: ``launchloop insight ...``, and the session they share.

The CLI works on the data dir directly, as an admin of the project (it holds the database);
``--author`` names who writes (default: the system user name).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.freshness import check_figures, mark_stale, project_runner
from launchloop.knowledge.insights import (
    change_insight_status,
    create_insight,
    get_insight,
    list_insights,
    validate_insight,
)
from launchloop.knowledge.markdown import insight_markdown
from launchloop.knowledge.models import Insight
from launchloop.knowledge.projects import list_projects
from launchloop.knowledge.roles import Caller
from launchloop.runtime import open_runtime

console = Console()
insight_app = typer.Typer(help="Insights: write, list, show, validate.", no_args_is_help=True)
app.add_typer(insight_app, name="insight")

Author = Annotated[
    str | None, typer.Option("--author", help="Who writes (default: the system user name).")
]


@contextmanager
def knowledge_session(
    data_dir: DataDir, project: int | None, author: str | None
) -> Iterator[tuple[Session, Caller]]:
    """A transaction on the data dir's knowledge database and the CLI's admin caller."""
    settings = load_settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    try:
        with database.session() as session:
            ids = [p.id for p in list_projects(session)]
            if not ids:
                raise NotFound("no project yet: run `launchloop init` first")
            if project is not None and project not in ids:
                raise NotFound(f"no project with id {project}")
            caller = Caller(project or ids[0], "admin", author or getpass.getuser())
            yield session, caller
    finally:
        database.dispose()


def print_json(value: Any) -> None:
    """Print ``value`` as one line of JSON."""
    typer.echo(orjson.dumps(value).decode())


def insight_dict(insight: Insight) -> dict[str, Any]:
    """An insight and its evidence as JSON-ready values."""
    fields = ("id", "statement", "context", "status", "confidence", "validated_by", "review_by")
    evidence = [
        {
            "id": e.id,
            "kind": e.kind,
            "supports": e.supports,
            "signal_id": e.signal_id,
            "learning_id": e.learning_id,
            "quote": e.quote,
            "query": e.query,
            "figure": e.figure,
            "figure_label": e.figure_label,
        }
        for e in insight.evidence
    ]
    return {f: getattr(insight, f) for f in fields} | {
        "tags": insight.tags,
        "team_ids": insight.team_ids,
        "author": insight.author,
        "evidence": evidence,
    }


def show(row: dict[str, Any], as_json: bool) -> None:
    """Print a record as JSON or as ``field: value`` lines."""
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        console.print(f"[bold]{key}[/bold]: {value}", highlight=False, markup=True)


@insight_app.command("add")
def insight_add(
    statement: str,
    context: str = typer.Option("", help="Context of the statement."),
    tag: list[str] = typer.Option([], "--tag", help="A tag (repeatable)."),
    quote: list[str] = typer.Option([], "--quote", help="A feedback quote as evidence."),
    query: str = typer.Option(None, help="A saved query (JSON) as evidence; needs --figure."),
    figure: float = typer.Option(None, help="The saved query's figure at capture time."),
    signal: list[int] = typer.Option([], "--signal", help="A signal id as evidence."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Write a draft insight with its evidence."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        insight = create_insight(session, caller, statement=statement, context=context, tags=tag)
        for text in quote:
            add_evidence(session, caller, insight.id, kind="feedback", quote=text)
        if query is not None or figure is not None:
            add_evidence(
                session, caller, insight.id, kind="query", query=_json(query), figure=figure
            )
        for signal_id in signal:
            add_evidence(session, caller, insight.id, kind="signal", signal_id=signal_id)
        show(insight_dict(insight), as_json)


@insight_app.command("list")
def insight_list(
    status: str = typer.Option(None, help="draft, validated, stale or retired."),
    tag: str = typer.Option(None, help="Only insights with this tag."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """List insights, newest first."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [
            insight_dict(i)
            for i in list_insights(session, caller.project_id, status=status, tag=tag)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "status", "confidence", "statement", "tags")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["status"],
            f"{row['confidence']:.1f}",
            row["statement"],
            ", ".join(row["tags"]),
        )
    console.print(table)


@insight_app.command("show")
def insightshow(
    insight_id: int,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Show one insight with its evidence."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        show(insight_dict(get_insight(session, caller.project_id, insight_id)), as_json)


@insight_app.command("validate")
def insight_validate(
    insight_id: int,
    review_by: str = typer.Option(None, help="Review date, YYYY-MM-DD (default: in 90 days)."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Validate a draft or stale insight."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        insight = validate_insight(session, caller, insight_id, review_by=parse_date(review_by))
        show(insight_dict(insight), as_json)


@insight_app.command("status")
def insight_status(
    insight_id: int,
    status: str,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Move an insight to stale or retired (or validated again)."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        show(insight_dict(change_insight_status(session, caller, insight_id, status)), as_json)


def parse_date(text: str | None) -> date | None:
    """A YYYY-MM-DD option as a date (None stays None)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date", f"{text!r} is not a YYYY-MM-DD date") from None


def _json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidInput("query", "is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidInput("query", "must be a JSON object")
    return value


@insight_app.command("markdown")
def insight_markdown_command(
    insight_id: int, data_dir: DataDir = None, project: ProjectOption = None
) -> None:
    """Print an insight as Markdown (evidence, actions, comments)."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        typer.echo(insight_markdown(session, caller.project_id, insight_id), nl=False)


@insight_app.command("stale")
def insight_stale(
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Mark the validated insights past their review date as stale."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        ids = mark_stale(session, caller)
    if as_json:
        print_json(ids)
        return
    console.print(f"{len(ids)} insight(s) now stale: {', '.join(map(str, ids)) or '-'}")


@insight_app.command("revalidate")
def insight_revalidate(
    insight_id: int,
    review_by: str = typer.Option(None, help="Next review date, YYYY-MM-DD (default: 90 days)."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Re-run an insight's saved queries (37% -> 22%); a stale insight is validated again."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        caller = Caller(project_id, "admin", author or getpass.getuser())
        run = project_runner(runtime.database, runtime.store, project_id)
        with runtime.database.session() as session:
            result = check_figures(
                session, caller, insight_id, run, review_by=parse_date(review_by)
            )
            status = result.insight.status
            rows = [asdict(change) | {"shown": change.shown} for change in result.changes]
    finally:
        runtime.close()
    if as_json:
        print_json({"id": insight_id, "status": status, "changes": rows})
        return
    console.print(f"insight {insight_id}: {status}")
    table = Table("evidence", "figure", "captured -> now")
    for row in rows:
        table.add_row(str(row["evidence_id"]), row["label"], row["shown"])
    console.print(table)
