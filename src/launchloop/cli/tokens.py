"""Token commands: ``launchloop project token create|list|revoke`` (the CLI acts as admin).

A revoked token is refused at once by the database and by every running server (``web/auth.py``
looks secret tokens up on each request).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from launchloop.cli.knowledge import Author, console, knowledge_session, print_json, show
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.cli.setup import project_app
from launchloop.knowledge.models import ApiToken
from launchloop.knowledge.projects import create_token, list_tokens, revoke_token
from launchloop.knowledge.teams import create_role_token

token_app = typer.Typer(help="A project's secret API tokens.", no_args_is_help=True)
project_app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    label: str,
    role: str = typer.Option("contributor", help="viewer, contributor, decider or admin."),
    operator: bool = typer.Option(
        False, "--operator", help="An instance operator's token (admin; may back up the instance)."
    ),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Create a secret token with a role; it is shown only now."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        if operator:
            role = "admin"
            token = create_token(session, project_id=caller.project_id, label=label, operator=True)
        else:
            token = create_role_token(session, caller, label=label, role=role)
    show({"token": token, "label": label, "role": role, "operator": operator}, as_json)


@token_app.command("list")
def token_list(
    data_dir: DataDir = None, project: ProjectOption = None, as_json: JsonOutput = False
) -> None:
    """List the project's tokens (never the tokens themselves), revoked ones included."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        rows = [_token_dict(t) for t in list_tokens(session, caller.project_id)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "label", "role", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["id"]), row["label"], row["role"], row["created_at"], row["revoked_at"] or "-"
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: int,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    author: Author = None,
    as_json: JsonOutput = False,
) -> None:
    """Revoke a token; every running server refuses it at once."""
    with knowledge_session(data_dir, project, author) as (session, caller):
        row = _token_dict(revoke_token(session, caller, token_id))
    show(row, as_json)


def _token_dict(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "label": token.label,
        "role": token.role,
        "operator": token.is_operator,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
