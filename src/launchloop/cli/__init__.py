"""The ``launchloop`` command line: parses arguments, calls the library, prints the answer."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from launchloop.errors import LaunchloopError

app = typer.Typer(
    name="launchloop",
    help="Turn every product launch into a learning loop.",
    no_args_is_help=True,
    add_completion=False,
)
err_console = Console(stderr=True)


def main() -> None:
    """Entry point of the console script: core errors become one clear line and exit 2."""
    from launchloop.cli import events, imports, setup  # noqa: F401  (registers the commands)

    try:
        app()
    except LaunchloopError as error:
        err_console.print(f"[red]error:[/red] {error}")
        sys.exit(2)
