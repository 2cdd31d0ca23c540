"""Commands for people who sign in to the web app: ``launchloop user create``."""

from __future__ import annotations

import orjson
import typer
from rich.console import Console

from launchloop.cli import app
from launchloop.cli.options import DataDir, JsonOutput
from launchloop.config import load_settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.users import add_user_to_project, create_user

console = Console(soft_wrap=True)
user_app = typer.Typer(help="People who sign in to the web app.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("create")
def user_create(
    email: str,
    name: str = typer.Option("", help="Display name (default: the part of the email before @)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Sign-in password."
    ),
    project: int | None = typer.Option(
        None, "--project", help="Make the user a member of this project id."
    ),
    role: str = typer.Option("contributor", help="Role in --project: viewer .. admin."),
    language: str = typer.Option("en", help="Interface language: en or fr."),
    data_dir: DataDir = None,
    as_json: JsonOutput = False,
) -> None:
    """Create a user who signs in with EMAIL; with --project, give it a role there."""
    settings = load_settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        user = create_user(session, email=email, password=password, name=name, language=language)
        if project is not None:
            add_user_to_project(session, user, project, role=role, author="cli")
        row = {"id": user.id, "email": user.email, "project": project, "role": role}
    database.dispose()
    if as_json:
        typer.echo(orjson.dumps(row).decode())
        return
    where = f", {role} of project {project}" if project is not None else ""
    console.print(f"User [bold]{row['email']}[/bold] (id {row['id']}){where}")
