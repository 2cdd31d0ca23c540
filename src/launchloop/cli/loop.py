"""The loop in motion (issue 9): ``launchloop feed``, ``notify``, ``subscribe`` and ``ritual``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.events import resolve_project
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
from launchloop.knowledge.project_time import project_day
from launchloop.loop.feeds import team_feed
from launchloop.loop.health import loop_health
from launchloop.loop.health_flow import KnowledgeFlow
from launchloop.loop.notify import Outbox, notify
from launchloop.loop.ritual_fortnightly import fortnightly_agenda
from launchloop.loop.ritual_monthly import monthly_review
from launchloop.loop.ritual_monthly_reports import monthly_html, monthly_markdown
from launchloop.loop.ritual_reports import (
    fortnightly_html,
    fortnightly_markdown,
    weekly_html,
    weekly_markdown,
)
from launchloop.loop.rituals import record_decision, weekly_agenda
from launchloop.loop.subscriptions import subscribe
from launchloop.runtime import open_runtime

ritual_app = typer.Typer(help="Rituals: agendas from the data, decisions.", no_args_is_help=True)
app.add_typer(ritual_app, name="ritual")


@app.command("feed")
def feed(
    team: str = typer.Argument(..., help="The team's name or id."),
    days: int = typer.Option(7, help="How many days back new items count."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """A team's feed: new signals and drafts it observes, insights for it, its actions."""
    since = datetime.now(UTC) - timedelta(days=days)
    with knowledge_session(data_dir, project, None) as (session, caller):
        found = team_feed(session, caller.project_id, team, since=since)
    if as_json:
        print_json(found.as_dict())
        return
    table = Table("kind", "id", "title", "why", title=f"{found.name}, since {since:%Y-%m-%d}")
    for item in found.items:
        table.add_row(item.kind, str(item.item_id), item.title, ", ".join(item.reasons))
    console.print(table)


@app.command("subscribe")
def subscribe_command(
    subject: str = typer.Argument(..., help="launch:<name>, kpi:<name> or tag:<tag>."),
    team: int = typer.Option(None, help="The id of the team that follows it."),
    member: int = typer.Option(None, help="The id of the member who follows it."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Make a team or a member follow a launch, a KPI or a tag."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        row = subscribe(session, caller, subject, member_id=member, team_id=team)
        show({"id": row.id, "subject": row.subject, "team_id": row.team_id,
              "member_id": row.member_id}, as_json)  # fmt: skip


@app.command("notify")
def notify_command(
    cadence: str = typer.Argument(..., help="immediate, daily or weekly."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Send the members of a cadence what reached their feeds since their last notice."""
    outbox = Outbox.of(load_settings(data_dir=data_dir))
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [
            {"channel": d.channel, "address": d.address, "status": d.status,
             "attempts": d.attempts, "error": d.error}
            for d in notify(session, caller.project_id, cadence, outbox)
        ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['status']}: {row['channel']} {row['address']} ({row['attempts']})")
    console.print(f"{len(rows)} notice(s)")


@ritual_app.command("weekly")
def ritual_weekly(
    launch: str = typer.Option(None, help="Only this launch's KPIs and items."),
    until: str = typer.Option(None, help="Last day of the week, YYYY-MM-DD (default: today)."),
    out: Path = typer.Option(None, help="Write the agenda here: .html, else Markdown."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The weekly KPI reading's agenda, as Markdown (printed or written) or HTML."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        last, time_zone = project_day(runtime.database, project_id, until)
        with runtime.database.session() as session:
            agenda = weekly_agenda(runtime.store, session, project_id, until=last,
                                   time_zone=time_zone, launch=launch)  # fmt: skip
    finally:
        runtime.close()
    if as_json:
        print_json(agenda.as_dict())
    elif out is None:
        typer.echo(weekly_markdown(agenda), nl=False)
    else:
        html = out.suffix.lower() in (".html", ".htm")
        out.write_text(weekly_html(agenda) if html else weekly_markdown(agenda))
        console.print(f"wrote {out}")


@ritual_app.command("fortnightly")
def ritual_fortnightly(
    out: Path = typer.Option(None, help="Write the agenda here: .html, else Markdown."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The experiment definition's agenda: untested insights, sized candidates, running tests."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        with runtime.database.session() as session:
            agenda = fortnightly_agenda(runtime.store, session, project_id)
    finally:
        runtime.close()
    if as_json:
        print_json(agenda.as_dict())
    else:
        _emit(out, fortnightly_markdown(agenda), fortnightly_html(agenda))


@ritual_app.command("monthly")
def ritual_monthly(
    launch: str = typer.Option(None, help="Only this launch's items."),
    until: str = typer.Option(None, help="Last day of the 30 days, YYYY-MM-DD (default: today)."),
    out: Path = typer.Option(None, help="Write the review here: .html, else Markdown."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The generalization review: outcomes with proposals, learnings, insights to re-validate."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        last, _ = project_day(runtime.database, project_id, until)
        with runtime.database.session() as session:
            review = monthly_review(session, project_id, until=last, launch=launch)
    finally:
        runtime.close()
    if as_json:
        print_json(review.as_dict())
    else:
        _emit(out, monthly_markdown(review), monthly_html(review))


def _emit(out: Path | None, markdown: str, html: str) -> None:
    if out is None:
        typer.echo(markdown, nl=False)
        return
    out.write_text(html if out.suffix.lower() in (".html", ".htm") else markdown)
    console.print(f"wrote {out}")


@ritual_app.command("decide")
def ritual_decide(
    text: str = typer.Argument(..., help="The decision."),
    ritual: str = typer.Option("weekly", help="weekly, fortnightly or monthly."),
    held_on: str = typer.Option(None, help="The ritual's day, YYYY-MM-DD (default: today)."),
    launch: str = typer.Option(None, help="The launch it is about."),
    cite: list[str] = typer.Option([], help="insight:<id>, learning:<id>... (repeatable)."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Record a decision taken at a ritual, with what it cites."""
    day = parse_date(held_on) or datetime.now(UTC).date()
    with knowledge_session(data_dir, project, author) as (session, caller):
        row = record_decision(session, caller, ritual=ritual, text=text, held_on=day,
                              launch=launch, cites=list(cite))  # fmt: skip
        show({"id": row.id, "ritual": row.ritual, "held_on": str(row.held_on),
              "text": row.text, "cites": row.cites}, as_json)  # fmt: skip


@app.command("health")
def health(
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The loop's health month by month: reactivity, knowledge in decisions, experiments."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        found = loop_health(session, caller.project_id)
    if as_json:
        print_json(found.as_dict())
        return
    table = Table("month", "signal→insight", "→action", "→evaluation", "decisions citing",
                  "experiments started/decided/shipped")  # fmt: skip
    for m in found.months:
        table.add_row(
            m.month,
            _days(m.signal_to_insight.median_days),
            _days(m.signal_to_action.median_days),
            _days(m.signal_to_evaluation.median_days),
            f"{m.decisions_citing_knowledge}/{m.decisions}",
            f"{m.experiments_started}/{m.experiments_decided}/{m.experiments_shipped}",
        )
    console.print(table)
    console.print(f"validated insights past review: {found.past_review}/{found.validated_insights}")
    if found.flow is not None:
        _print_flow(found.flow)


def _print_flow(flow: KnowledgeFlow) -> None:
    table = Table("from", "stage", "to", "times", title="How knowledge flows between teams")
    for edge in flow.edges:
        table.add_row(edge.source, edge.stage, edge.target, str(edge.count))
    console.print(table)
    for label, reuse in (("insights", flow.insight_reuse), ("learnings", flow.learning_reuse)):
        console.print(f"{label} cited at least once: {reuse.cited}/{reuse.items}")


def _days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} d"
