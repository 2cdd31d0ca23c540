"""Action commands: ``launchloop action add / list / show / move / priority``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.knowledge import (
    Author,
    console,
    knowledge_session,
    parse_date,
    print_json,
    show,
)
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.knowledge.actions import (
    create_action,
    get_action,
    list_actions,
    move_action,
    prioritize_action,
)
from launchloop.knowledge.models import Action
from launchloop.knowledge.reach import action_events, measure_reach
from launchloop.runtime import open_runtime

action_app = typer.Typer(help="Actions: the backlog born of insights.", no_args_is_help=True)
app.add_typer(action_app, name="action")


@action_app.command("add")
def action_add(
    title: str,
    kind: str = typer.Option(..., help="experiment, improvement or fix."),
    insight: list[int] = typer.Option(
        ..., "--insight", help="A validated insight id (repeatable)."
    ),
    observation: str = typer.Option("", help="What was observed."),
    hypothesis: str = typer.Option("", help="If we ... then KPI X moves by Y because ..."),
    kpi: int = typer.Option(None, help="Impact KPI id."),
    baseline: float = typer.Option(None, help="The KPI's value now."),
    expected_change: float = typer.Option(None, help="The expected change of the KPI."),
    evaluation_date: str = typer.Option(None, help="When to evaluate, YYYY-MM-DD."),
    effort: float = typer.Option(None, help="Effort in person-weeks."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Propose an action born of validated insights."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        action = create_action(
            session,
            caller,
            kind=kind,
            title=title,
            insight_ids=insight,
            observation=observation,
            hypothesis=hypothesis,
            impact_kpi_id=kpi,
            baseline=baseline,
            expected_change=expected_change,
            evaluation_date=parse_date(evaluation_date),
            effort=effort,
        )
        show(_action_dict(action), as_json)


@action_app.command("list")
def action_list(
    status: str = typer.Option(None, help="Only actions in this status."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """List the backlog, highest priority first."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [_action_dict(a) for a in list_actions(session, caller.project_id, status=status)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "status", "priority", "title")
    for row in rows:
        score = row["priority_score"]
        table.add_row(
            str(row["id"]),
            row["kind"],
            row["status"],
            "-" if score is None else f"{score:g}",
            row["title"],
        )
    console.print(table)


@action_app.command("show")
def actionshow(
    action_id: int,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Show one action."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        show(_action_dict(get_action(session, caller.project_id, action_id)), as_json)


@action_app.command("move")
def action_move(
    action_id: int,
    status: str,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Move an action (planned, in_progress, evaluating, done, dropped)."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        show(_action_dict(move_action(session, caller, action_id, status)), as_json)


@action_app.command("priority")
def action_priority(
    action_id: int,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Compute an action's RICE priority, reach measured from the event store."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        with knowledge_session(data_dir, project, author) as (session, caller):
            events = action_events(session, get_action(session, caller.project_id, action_id))
            reach = measure_reach(runtime.store, caller.project_id, events)
            priority = prioritize_action(session, caller, action_id, reach=reach)
    finally:
        runtime.close()
    show(priority.as_dict() | {"reach_events": events}, as_json)


def _action_dict(action: Action) -> dict[str, Any]:
    fields = (
        "id",
        "kind",
        "title",
        "status",
        "observation",
        "hypothesis",
        "impact_kpi_id",
        "baseline",
        "expected_change",
        "evaluation_date",
        "effort",
        "priority",
        "priority_score",
    )
    return {f: getattr(action, f) for f in fields} | {"insight_ids": action.insight_ids}
