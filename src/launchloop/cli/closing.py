"""Telling users what changed because of their feedback (issue 11): ``launchloop closing``."""

from __future__ import annotations

from typing import Any

import typer

from launchloop.cli import app
from launchloop.cli.knowledge import Author, console, knowledge_session, print_json
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.closing.outbox import SmtpServer, list_messages, prepare_messages, send_messages
from launchloop.closing.reach import address_book
from launchloop.config import load_settings
from launchloop.knowledge.models import AuthorMessage
from launchloop.runtime import open_runtime

closing_app = typer.Typer(
    help="Messages to feedback authors about shipped changes.", no_args_is_help=True
)
app.add_typer(closing_app, name="closing")


@closing_app.command("prepare")
def closing_prepare(
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Prepare one message per author for the shipped changes they have not heard of."""
    settings = load_settings(data_dir=data_dir)
    runtime = open_runtime(settings)
    try:
        with knowledge_session(data_dir, project, author) as (session, caller):
            book = address_book(runtime.store, caller.project_id)
            made = prepare_messages(session, caller, book, SmtpServer.from_settings(settings))
            _print(made, as_json)
    finally:
        runtime.close()


@closing_app.command("list")
def closing_list(
    status: str = typer.Option(None, help="pending, sent, failed or withheld."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The messages to authors, newest first."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        _print(list_messages(session, caller.project_id, status), as_json)


@closing_app.command("send")
def closing_send(
    message: list[int] = typer.Option(None, "--id", help="Send only this message (repeatable)."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Send the reviewed messages (all waiting ones unless --id) over SMTP."""
    smtp = SmtpServer.from_settings(load_settings(data_dir=data_dir))
    with knowledge_session(data_dir, project, author) as (session, caller):
        _print(send_messages(session, caller, smtp, message or None), as_json)


def _print(messages: list[AuthorMessage], as_json: bool) -> None:
    rows: list[dict[str, Any]] = [
        {"id": m.id, "address": m.address, "language": m.language, "status": m.status,
         "changes": m.changes, "subject": m.subject, "error": m.error}
        for m in messages
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"#{row['id']} {row['status']}: {row['address']} ({row['language']}) "
                      f"{', '.join(row['changes'])}")  # fmt: skip
    console.print(f"{len(rows)} message(s)")
