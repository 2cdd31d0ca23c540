"""``launchloop worker`` as a real process on a seeded data dir (issue 9): detectors create
signals, a daily digest reaches a local receiver, the ritual agendas are written, the schedule is
kept, and SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Signal
from launchloop.knowledge.projects import NewProject
from launchloop.loop.notify import set_preference
from launchloop.loop.worker import JOBS
from launchloop.store.base import open_store
from tests.analytics_events import write
from tests.knowledge_fixtures import as_role
from tests.loop_receivers import http_receiver
from tests.loop_seed import seed
from tests.test_detect_funnel import week_of_events
from tests.test_detect_run import FUNNEL_KPI


def _seed(settings: Settings, project_id: int, receiver_url: str) -> None:
    """The loop seed, a funnel whose Safari step fell this week, alice told daily by webhook."""
    today = datetime.now(UTC).date()
    store = open_store(settings.resolved_events_url)
    write(store, week_of_events(today - timedelta(days=13), 0.8)
          + week_of_events(today - timedelta(days=6), 0.3), project_id=project_id)  # fmt: skip
    store.close()
    database = Database(settings.resolved_database_url)
    database.migrate()
    admin = as_role(project_id, "admin", "ada")
    with database.session() as session:
        made = seed(session, project_id)
        create_kpi(session, admin, FUNNEL_KPI)
        set_preference(session, admin, made.members["alice"], channel="webhook",
                       address=receiver_url, cadence="daily", secret="k")  # fmt: skip
    database.dispose()


def _worker(settings: Settings, *extra: str) -> list[str]:
    return [sys.executable, "-m", "launchloop", "worker", "--data-dir", str(settings.data_dir),
            *extra]  # fmt: skip


def _env() -> dict[str, str]:
    return os.environ | {"COLUMNS": "300", "NO_COLOR": "1"}


def _worker_signals(settings: Settings) -> list[str]:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        query = select(Signal.kind).where(Signal.author == "launchloop-worker")
        kinds = list(session.scalars(query))
    database.dispose()
    return kinds


def test_worker_once_runs_every_due_job_then_nothing(
    settings: Settings, project: NewProject
) -> None:
    with http_receiver([]) as receiver:
        _seed(settings, project.id, receiver.url)
        done = subprocess.run(_worker(settings, "--once"), capture_output=True, text=True,
                              env=_env(), timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert len(receiver.requests) == 1  # alice's daily digest
        digest = json.loads(receiver.requests[0].body)
    assert "Sign-ups fell" in json.dumps(digest)  # s2: product's KPI moved, 20 hours ago
    assert "funnel_drop" in _worker_signals(settings)  # the Safari step that fell
    for job in JOBS:
        assert f"project {project.id} {job.name}: ok" in done.stdout, done.stdout
    rituals = settings.data_dir / "rituals" / str(project.id)
    assert sorted(p.name.split("-")[0] for p in rituals.iterdir()) == [
        "fortnightly", "monthly", "weekly",
    ]  # fmt: skip
    kept = json.loads((settings.data_dir / "worker.json").read_text())
    assert sorted(kept) == sorted(f"{project.id}:{job.name}" for job in JOBS)
    again = subprocess.run(_worker(settings, "--once"), capture_output=True, text=True,
                           env=_env(), timeout=300, check=False)  # fmt: skip
    assert again.returncode == 0 and again.stdout == ""  # nothing is due yet


def test_worker_stops_cleanly_on_sigterm(settings: Settings, project: NewProject) -> None:
    with http_receiver([]) as receiver:
        _seed(settings, project.id, receiver.url)
        process = subprocess.Popen(_worker(settings), stdout=subprocess.PIPE, text=True,
                                   env=_env())  # fmt: skip
        kept = settings.data_dir / "worker.json"
        while not kept.exists() or len(json.loads(kept.read_text())) < len(JOBS):
            assert process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    assert "SIGTERM: stopping" in out
