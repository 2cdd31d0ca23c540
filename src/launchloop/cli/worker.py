"""``launchloop worker``: the scheduler process (issue 9)."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import typer
from rich.console import Console

from launchloop.cli import app
from launchloop.cli.options import DataDir
from launchloop.config import load_settings
from launchloop.loop.worker import JobResult, Schedule, run_due, work
from launchloop.runtime import open_runtime

console = Console()


@app.command("worker")
def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit."),
    data_dir: DataDir = None,
) -> None:
    """Run detectors, freshness checks, digests and ritual agendas on their cadence."""
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        if once:
            schedule = Schedule.load(runtime.settings.data_dir / "worker.json")
            for result in run_due(runtime, schedule):
                _print(result)
            return
        stop = threading.Event()

        def ask_to_stop(signum: int, frame: FrameType | None) -> None:
            console.print(f"{signal.Signals(signum).name}: stopping after the current job")
            stop.set()

        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        console.print(f"worker started at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        work(runtime, stop, _print)
    finally:
        runtime.close()


def _print(result: JobResult) -> None:
    state = "[red]failed[/red]" if result.failed else "ok"
    console.print(f"project {result.project_id} {result.job}: {state}, {result.summary}",
                  highlight=False, markup=True, soft_wrap=True)  # fmt: skip
