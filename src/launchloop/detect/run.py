"""A detection run: every detector over the window, findings stored as signals once.

A finding's fingerprint (kind, what it is about, the onset of its episode) goes into its
signal's payload and its indexed column; a finding that continues a stored episode
(``episodes.py``) is skipped, so running detection twice over the same period, or daily over a
sliding window while a problem lasts, records it once; two runs at the same moment store it
once too (``storing.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from launchloop.detect.context import DetectionContext, detection_context
from launchloop.detect.drafting import DraftReport, draft_insights
from launchloop.detect.episodes import SOURCE, episode_payload, extend, stored_episodes
from launchloop.detect.findings import DetectionWindow, Finding
from launchloop.detect.registry import DETECTORS, Detector
from launchloop.detect.storing import store_once
from launchloop.errors import InvalidInput, LaunchloopError
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import Signal
from launchloop.knowledge.project_time import project_day
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.store.base import EventStore


@dataclass
class DetectionReport:
    """What a run found and stored."""

    window: DetectionWindow
    created: list[Signal] = field(default_factory=list)
    already_known: int = 0
    drafts: DraftReport = field(default_factory=DraftReport)
    problems: list[str] = field(default_factory=list)


def detection_window(
    database: Database,
    project_id: int,
    *,
    until: str | None = None,
    since: str | None = None,
    days: int | None = None,
    baseline_days: int = 28,
) -> DetectionWindow:
    """The period to read in the project's days: ``since`` to ``until`` (default today), or
    ``days`` ending on ``until`` (default 7); never both ``since`` and ``days``."""
    last, time_zone = project_day(database, project_id, until)
    if since is None:
        return DetectionWindow(last, 7 if days is None else days, baseline_days, time_zone)
    if days is not None:
        raise InvalidInput("since", "give either since or days, not both")
    try:
        first = date.fromisoformat(since)
    except ValueError:
        raise InvalidInput("since", "must be a date (YYYY-MM-DD)") from None
    return DetectionWindow.since(first, last, baseline_days, time_zone)


def run_detection(
    session: Session,
    store: EventStore,
    caller: Caller,
    window: DetectionWindow,
    *,
    detectors: Sequence[Detector] = DETECTORS,
    draft: bool = True,
) -> DetectionReport:
    """Run ``detectors`` over ``window``, store new findings as signals, draft insights."""
    require_writer(caller, "running detection")
    context = detection_context(store, session, caller.project_id, window)
    report = DetectionReport(window)
    episodes = stored_episodes(session, caller.project_id)
    span = window.current
    for item in detectors:
        try:
            findings = item.find(context)
        except LaunchloopError as error:
            report.problems.append(f"{item.name}: {error}")
            continue
        for finding in findings:
            ongoing = episodes.ongoing(finding, span)
            if ongoing is not None or finding.fingerprint(span.start) in episodes.fingerprints:
                if ongoing is not None:
                    extend(ongoing, span)
                report.already_known += 1
                continue
            signal = _store(session, caller, context, item, finding)
            if signal is None:  # a run at the same moment stored it first
                report.already_known += 1
                continue
            episodes.add(finding, signal)
            report.created.append(signal)
    session.flush()
    if draft and report.created:
        report.drafts = draft_insights(session, caller, report.created)
    return report


def _store(
    session: Session,
    caller: Caller,
    context: DetectionContext,
    item: Detector,
    finding: Finding,
) -> Signal | None:
    """The finding's new signal; None when its episode is already stored."""
    payload = {
        **finding.payload,
        **episode_payload(finding, context.window.current),
        "detector": item.name,
        "subjects": list(finding.subjects),
    }
    return store_once(
        session,
        caller,
        kind=finding.kind,
        text=finding.text,
        fingerprint=payload["fingerprint"],
        source=SOURCE,
        team_id=context.team_ids.get(finding.team or "", context.observer_ids.get(finding.kind)),
        kpi_id=context.kpi_ids.get(finding.kpi or ""),
        launch_id=finding.launch_id or context.kpi_launch_ids.get(finding.kpi or ""),
        payload=payload,
        feedback_ids=list(finding.feedback_ids),
    )
