"""``launchloop person erase ID`` and ``launchloop audit``: privacy and accountability."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from launchloop.cli import app
from launchloop.cli.knowledge import Author, knowledge_session, print_json
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.knowledge.audit import audit_log, audit_row
from launchloop.privacy import erase_person
from launchloop.store.base import open_store

console = Console()
person_app = typer.Typer(help="People of the event store.", no_args_is_help=True)
app.add_typer(person_app, name="person")


@person_app.command("erase")
def person_erase(
    distinct_id: str,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    delete_feedback_text: Annotated[
        bool, typer.Option("--delete-feedback-text", help="Delete their feedback items too.")
    ] = False,
    as_json: JsonOutput = False,
) -> None:
    """Erase a person's events, properties and feedback authorship (stop the server first)."""
    settings = load_settings(data_dir=data_dir)
    with knowledge_session(data_dir, project, author) as (session, caller):
        store = open_store(settings.resolved_events_url)
        try:
            erasure = erase_person(
                session, store, caller, distinct_id, delete_feedback_text=delete_feedback_text
            )
        finally:
            store.close()
    if as_json:
        print_json({"distinct_id_sha256": erasure.distinct_id_sha256, "counts": erasure.counts})
        return
    console.print(f"erased: {erasure.counts} (logged as {erasure.distinct_id_sha256[:12]}…)")


@app.command("audit")
def audit(
    data_dir: DataDir = None,
    project: ProjectOption = None,
    act: Annotated[str | None, typer.Option("--act", help="Only person, export, backup...")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most rows shown.")] = 200,
    as_json: JsonOutput = False,
) -> None:
    """The audit log: who validated, decided, exported, backed up or erased what."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [audit_row(c) for c in audit_log(session, caller.project_id, act=act, limit=limit)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "at", "author", "item", "verb", "details")
    for row in rows:
        item = row["item_kind"] + (f" {row['item_id']}" if row["item_id"] else "")
        table.add_row(
            str(row["id"]), row["at"], row["author"], item, row["verb"], str(row["changes"])
        )
    console.print(table)
