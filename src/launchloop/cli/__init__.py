"""The ``launchloop`` command line: parses arguments, calls the library, prints the answer."""

from __future__ import annotations

import importlib
import pkgutil
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


def register_commands() -> None:
    """Import every module of this package: each registers its commands on ``app``.

    ``setup`` (init, demo, serve) goes first so that ``--help`` lists those first.
    """
    names = sorted((m.name for m in pkgutil.iter_modules(__path__)), key=lambda n: n != "setup")
    for name in names:
        importlib.import_module(f"{__name__}.{name}")


def main() -> None:
    """Entry point of the console script: core errors become one clear line and exit 2."""
    register_commands()

    try:
        app()
    except LaunchloopError as error:
        err_console.print(f"[red]error:[/red] {error}")
        sys.exit(2)
