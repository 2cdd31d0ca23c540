"""The worker's closing job: authors of the feedback behind a shipped action hear of it once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from launchloop.closing.preferences import set_closing_settings
from launchloop.config import load_settings
from launchloop.feedback.items import add_items
from launchloop.knowledge.projects import create_project
from launchloop.loop.worker import JOBS, Schedule, run_due
from launchloop.runtime import open_runtime
from tests.closing_seed import backed_insight, ship_action
from tests.knowledge_fixtures import as_role
from tests.loop_receivers import smtp_receiver


def test_closing_job_sends_once_when_the_project_allows_it(tmp_path: Path) -> None:
    closing = tuple(job for job in JOBS if job.name == "closing")
    with smtp_receiver() as (port, received):
        runtime = open_runtime(load_settings(data_dir=tmp_path / "d", smtp_port=port))
        try:
            rows = [
                {"kind": "nps", "author": "lea@example.test", "language": "fr", "text": "Lent."},
                {"kind": "nps", "author": "sam@example.test", "language": "en", "text": "Slow."},
            ]
            with runtime.database.session() as session:
                project = create_project(session, name="Atelier")
                stored = add_items(session, project_id=project.id, rows=rows).stored
                set_closing_settings(session, as_role(project.id, "admin", "ada"), auto_send=True)
            insight = backed_insight(runtime.database, project.id, stored)
            ship_action(runtime.database, project.id, insight, "Faster exports")
            schedule = Schedule.load(tmp_path / "worker.json")
            first = run_due(runtime, schedule, jobs=closing)
            again = run_due(runtime, schedule, now=datetime(2100, 1, 1, tzinfo=UTC), jobs=closing)
        finally:
            runtime.close()
    assert [r.failed for r in first + again] == [False, False]
    assert sorted(to[0] for to, _ in received) == ["lea@example.test", "sam@example.test"]
    subjects = {to[0]: message["Subject"] for to, message in received}
    assert subjects["lea@example.test"] != subjects["sam@example.test"]  # French vs English
