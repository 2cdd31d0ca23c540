"""The scheduler (issue 9): one process, ``launchloop worker``, runs the detectors, the
freshness checks, the digests and the ritual preparation of every project on their cadence.

Each job's last run is kept per project in ``<data dir>/worker.json``; a job is due when it never
ran or when its cadence has passed since its last run, so a restarted worker picks up where it
stopped. The ritual agendas are written as Markdown under ``<data dir>/rituals/<project>/``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from launchloop.closing.outbox import SmtpServer, prepare_messages
from launchloop.closing.reach import address_book
from launchloop.detect.run import detection_window, run_detection
from launchloop.knowledge.freshness import mark_stale
from launchloop.knowledge.project_time import project_day
from launchloop.knowledge.projects import list_projects
from launchloop.knowledge.roles import Caller
from launchloop.loop.notify import Outbox, notify
from launchloop.loop.ritual_fortnightly import fortnightly_agenda
from launchloop.loop.ritual_monthly import monthly_review
from launchloop.loop.ritual_monthly_reports import monthly_markdown
from launchloop.loop.ritual_reports import fortnightly_markdown, weekly_markdown
from launchloop.loop.rituals import weekly_agenda
from launchloop.runtime import Runtime

AUTHOR = "launchloop-worker"
#: The detectors read the last 7 days against the 7 before, once an hour.
DETECT_DAYS = 7
#: The longest the worker sleeps before looking at the clock again.
MAX_SLEEP_S = 60.0

JobRun = Callable[[Runtime, int, datetime], str]


_log = logging.getLogger("launchloop.worker")


@dataclass(frozen=True)
class Job:
    """A piece of background work, its cadence, and what it does for one project."""

    name: str
    every: timedelta
    run: JobRun


@dataclass
class JobResult:
    """What one run of a job did (or the error that stopped it)."""

    project_id: int
    job: str
    summary: str
    failed: bool = False


@dataclass
class Schedule:
    """The last run of every (project, job), kept in a JSON file."""

    path: Path
    last: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Schedule:
        """The schedule in ``path`` (empty when the file does not exist yet)."""
        last = json.loads(path.read_text()) if path.exists() else {}
        return cls(path, last)

    def next_run(self, project_id: int, job: Job) -> datetime | None:
        """When the job is next due (None: it never ran, so now)."""
        seen = self.last.get(f"{project_id}:{job.name}")
        return datetime.fromisoformat(seen) + job.every if seen else None

    def done(self, project_id: int, job: Job, at: datetime) -> None:
        """Remember a run and save the file (atomically: a new file renamed over the old)."""
        self.last[f"{project_id}:{job.name}"] = at.isoformat()
        draft = self.path.with_suffix(".tmp")
        draft.write_text(json.dumps(self.last, indent=2, sort_keys=True))
        draft.replace(self.path)


def _detect(runtime: Runtime, project_id: int, now: datetime) -> str:
    window = detection_window(
        runtime.database, project_id, days=DETECT_DAYS, baseline_days=DETECT_DAYS
    )
    with runtime.database.session() as session:
        report = run_detection(session, runtime.store, Caller(project_id, "admin", AUTHOR), window)
        return f"{len(report.created)} signal(s), {len(report.drafts.created)} draft(s)"


def _freshness(runtime: Runtime, project_id: int, now: datetime) -> str:
    today, _ = project_day(runtime.database, project_id)
    with runtime.database.session() as session:
        stale = mark_stale(session, Caller(project_id, "admin", AUTHOR), today=today)
    return f"{len(stale)} insight(s) turned stale"


def _digest(cadence: str) -> JobRun:
    def run(runtime: Runtime, project_id: int, now: datetime) -> str:
        outbox = Outbox.of(runtime.settings)
        with runtime.database.session() as session:
            sent = notify(session, project_id, cadence, outbox, now=now)
            delivered = sum(1 for d in sent if d.status == "delivered")
        return f"{delivered} of {len(sent)} notice(s) delivered"

    return run


def _agenda_text(runtime: Runtime, project_id: int, ritual: str, now: datetime) -> str:
    day, time_zone = project_day(runtime.database, project_id)
    store = runtime.store
    with runtime.database.session() as session:
        if ritual == "weekly":
            agenda = weekly_agenda(store, session, project_id, until=day, time_zone=time_zone)
            return weekly_markdown(agenda)
        if ritual == "fortnightly":
            return fortnightly_markdown(fortnightly_agenda(store, session, project_id, now=now))
        return monthly_markdown(monthly_review(session, project_id, until=day))


def _ritual(ritual: str) -> JobRun:
    def run(runtime: Runtime, project_id: int, now: datetime) -> str:
        text = _agenda_text(runtime, project_id, ritual, now)
        day, _ = project_day(runtime.database, project_id)
        folder = runtime.settings.data_dir / "rituals" / str(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{ritual}-{day}.md"
        path.write_text(text)
        return f"wrote {path}"

    return run


def _closing(runtime: Runtime, project_id: int, now: datetime) -> str:
    """Prepare the messages to users for what shipped (sent at once if the project allows)."""
    smtp = SmtpServer.from_settings(runtime.settings)
    with runtime.database.session() as session:
        book = address_book(runtime.store, project_id)
        made = prepare_messages(session, Caller(project_id, "admin", AUTHOR), book, smtp)
    return f"{len(made)} message(s) to users prepared"


JOBS: tuple[Job, ...] = (
    Job("detect", timedelta(hours=1), _detect),
    Job("freshness", timedelta(days=1), _freshness),
    Job("digest:immediate", timedelta(minutes=5), _digest("immediate")),
    Job("digest:daily", timedelta(days=1), _digest("daily")),
    Job("digest:weekly", timedelta(days=7), _digest("weekly")),
    Job("ritual:weekly", timedelta(days=7), _ritual("weekly")),
    Job("ritual:fortnightly", timedelta(days=14), _ritual("fortnightly")),
    Job("ritual:monthly", timedelta(days=30), _ritual("monthly")),
    Job("closing", timedelta(hours=1), _closing),
)


def run_due(
    runtime: Runtime,
    schedule: Schedule,
    *,
    now: datetime | None = None,
    jobs: tuple[Job, ...] = JOBS,
    stop: threading.Event | None = None,
) -> list[JobResult]:
    """Run every job that is due for every project, in order; a failing job is reported and
    retried at its next cadence, the others still run."""
    now = now or datetime.now(UTC)
    with runtime.database.session() as session:
        project_ids = [project.id for project in list_projects(session)]
    results: list[JobResult] = []
    for project_id in project_ids:
        for job in jobs:
            if stop is not None and stop.is_set():
                return results
            due = schedule.next_run(project_id, job)
            if due is not None and due > now:
                continue
            try:
                results.append(JobResult(project_id, job.name, job.run(runtime, project_id, now)))
            except Exception as error:  # a broken job must not stop the others, nor the loop
                _log.exception("job %s of project %s failed", job.name, project_id)
                results.append(JobResult(project_id, job.name, str(error), failed=True))
            schedule.done(project_id, job, now)
    return results


def next_wake(schedule: Schedule, project_ids: list[int], now: datetime) -> float:
    """Seconds until the next job is due (at most :data:`MAX_SLEEP_S`)."""
    times = [schedule.next_run(p, job) or now for p in project_ids for job in JOBS]
    soonest = min(times, default=now + timedelta(seconds=MAX_SLEEP_S))
    return min(max((soonest - now).total_seconds(), 0.0), MAX_SLEEP_S)


def work(
    runtime: Runtime,
    stop: threading.Event,
    report: Callable[[JobResult], None],
) -> None:
    """Run due jobs until ``stop`` is set (by SIGTERM or SIGINT in ``launchloop worker``)."""
    schedule = Schedule.load(runtime.settings.data_dir / "worker.json")
    while not stop.is_set():
        for result in run_due(runtime, schedule, stop=stop):
            report(result)
        with runtime.database.session() as session:
            project_ids = [project.id for project in list_projects(session)]
        stop.wait(next_wake(schedule, project_ids, datetime.now(UTC)))


@dataclass
class InProcessWorker:
    """The scheduler running in a thread of another process (``serve`` with ``worker = true``)."""

    thread: threading.Thread
    stopping: threading.Event

    def stop(self) -> None:
        """Ask the scheduler to stop after its current job and wait for it."""
        self.stopping.set()
        self.thread.join()


def start_in_process(runtime: Runtime) -> InProcessWorker:
    """Run :func:`work` in a daemon thread sharing ``runtime`` (embedded DuckDB has one owner)."""
    stopping = threading.Event()
    thread = threading.Thread(
        target=work,
        args=(runtime, stopping, lambda result: _log.info("%s", result)),
        name="launchloop-worker",
        daemon=True,
    )
    thread.start()
    return InProcessWorker(thread, stopping)
