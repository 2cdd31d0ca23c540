"""Commands that set up and run launchloop: init, serve, demo, project."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer
from rich.console import Console

from launchloop.cli import app
from launchloop.cli.options import DataDir, JsonOutput
from launchloop.config import Settings, load_settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject, create_project, list_projects

console = Console(soft_wrap=True)


def _print_project(project: NewProject, as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps(project.__dict__).decode())
        return
    console.print(f"Project [bold]{project.name}[/bold] (id {project.id})")
    console.print(f"  public ingestion key: [green]{project.public_key}[/green]")
    console.print(f"  secret API token:     [yellow]{project.secret_token}[/yellow] (shown once)")


def _database(data_dir: DataDir) -> Database:
    settings = load_settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    return database


@app.command()
def init(
    data_dir: DataDir = None,
    name: str = typer.Option("My product", help="Name of the first project."),
    as_json: JsonOutput = False,
) -> None:
    """Create the data dir with a first project; print its public key and a secret token."""
    database = _database(data_dir)
    with database.session() as session:
        existing = list_projects(session)
        if existing:
            raise InvalidInput(
                "data_dir",
                f"already initialized (project {existing[0].name!r}, public key "
                f"{existing[0].public_key}); `launchloop project create NAME` adds another",
            )
        project = create_project(session, name=name)
    _print_project(project, as_json)


project_app = typer.Typer(help="Projects and their keys.", no_args_is_help=True)
app.add_typer(project_app, name="project")


@project_app.command("create")
def project_create(name: str, data_dir: DataDir = None, as_json: JsonOutput = False) -> None:
    """Add a project; print its public key and a secret token."""
    with _database(data_dir).session() as session:
        project = create_project(session, name=name)
    _print_project(project, as_json)


@project_app.command("list")
def project_list(data_dir: DataDir = None, as_json: JsonOutput = False) -> None:
    """List the projects with their public keys."""
    with _database(data_dir).session() as session:
        rows = [
            {"id": p.id, "name": p.name, "public_key": p.public_key} for p in list_projects(session)
        ]
    if as_json:
        typer.echo(orjson.dumps(rows).decode())
        return
    for row in rows:
        console.print(f"{row['id']:>4}  {row['name']}  {row['public_key']}")


@app.command()
def demo(
    data_dir: DataDir = None,
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to listen on (default 8000)."),
    persons: int = typer.Option(1500, min=10, help="Simulated visitors."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Seed only, do not serve."),
) -> None:
    """Seed a simulated launch into an embedded data dir (./.launchloop-demo) and serve it."""
    from launchloop.demo import DEMO_EMAIL, DEMO_PASSWORD, detect_demo, seed_demo
    from launchloop.runtime import open_runtime

    settings = load_settings(data_dir=data_dir or Path(".launchloop-demo"), host=host, port=port)
    runtime = open_runtime(settings)
    try:
        made = seed_demo(runtime, persons=persons)
        # A fresh demo opens on what the detectors found (the Safari sign-up drop, its frictions).
        signals = detect_demo(runtime, made.project_id) if made.seeded else 0
    finally:
        runtime.close()
    console.print(
        f"Demo data in [bold]{settings.data_dir}[/bold]: {made.seeded} events seeded now, "
        f"{made.tickets} feedback items, {signals} signals detected"
    )
    console.print(f"  public ingestion key: [green]{made.public_key}[/green]")
    console.print(f"  secret API token:     [yellow]{made.secret_token}[/yellow]")
    console.print(
        f"  sign in to the app as [bold]{DEMO_EMAIL}[/bold], password [bold]{DEMO_PASSWORD}[/bold]"
    )
    if not no_serve:
        console.print(f"Serving on http://{settings.host}:{settings.port} (Ctrl-C stops)")
        _serve(settings)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to listen on (default 8000)."),
) -> None:
    """Serve the API (and the app) until interrupted."""
    _serve(load_settings(data_dir=data_dir, host=host, port=port))


#: GIL switch interval of the server (Python's default is 5 ms). The writer thread releases
#: the GIL for every engine call and must win it back from the request thread each time; at
#: 5 ms a group commit under load spent most of its time waiting for the GIL (issue 2).
SERVER_SWITCH_INTERVAL_S = 0.0005


def _serve(settings: Settings) -> None:
    import uvicorn

    from launchloop.web.app import create_app

    sys.setswitchinterval(SERVER_SWITCH_INTERVAL_S)
    # No access log: a formatted line per request is pure overhead at hundreds of requests/s,
    # and ingestion errors are logged anyway (issue 2, benchmarks/ingest.py).
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
