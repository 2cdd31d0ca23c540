"""``launchloop search``: full-text search over the knowledge base."""

from __future__ import annotations

import typer
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.knowledge import console, knowledge_session, parse_date, print_json
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.knowledge.search import KINDS, SearchFilters, search


@app.command("search")
def search_command(
    words: str,
    kind: list[str] = typer.Option(
        [], "--kind", help="insight, action, experiment, learning, quote."
    ),
    status: str = typer.Option(None, help="Only items in this status."),
    tag: str = typer.Option(None, help="Only insights (and their quotes) with this tag."),
    team: int = typer.Option(None, help="Only items of this team id."),
    launch: int = typer.Option(None, help="Only items of this launch id."),
    since: str = typer.Option(None, help="Created on or after, YYYY-MM-DD."),
    until: str = typer.Option(None, help="Created on or before, YYYY-MM-DD."),
    any_word: bool = typer.Option(False, "--any", help="Match any word instead of all."),
    limit: int = typer.Option(20, min=1, max=200, help="How many hits."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Search insights, actions, experiments, learnings and feedback quotes."""
    filters = SearchFilters(
        tuple(kind) or KINDS, status, team, tag, launch, parse_date(since), parse_date(until)
    )
    with knowledge_session(data_dir, project, None) as (session, caller):
        hits = search(
            session,
            caller.project_id,
            words,
            filters=filters,
            match="any" if any_word else "all",
            limit=limit,
        )
    if as_json:
        print_json([hit.__dict__ for hit in hits])
        return
    table = Table("kind", "id", "status", "score", "title")
    for hit in hits:
        table.add_row(hit.kind, str(hit.id), hit.status or "-", f"{hit.score:.3f}", hit.title)
    console.print(table)
