"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (default: ./.launchloop or LAUNCHLOOP_DATA_DIR)."),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ProjectOption = Annotated[
    int | None, typer.Option("--project", help="Project id (default: the first project).")
]
