"""Detection over HTTP: run the detectors now and get the signals and drafts they made."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from launchloop.detect.findings import MAX_BASELINE_DAYS, MAX_DAYS
from launchloop.detect.run import detection_window, run_detection
from launchloop.runtime import Runtime
from launchloop.web.api.knowledge import CallerDep, transaction
from launchloop.web.api.signals import SignalPublic

router = APIRouter(prefix="/api/v1", tags=["detect"])


class DetectionRun(BaseModel):
    """Which days to read: ``since`` to ``until`` (default today), or ``days`` ending on
    ``until`` (default 7), after a baseline (at least as long as the period)."""

    since: date | None = Field(None, description="First day read; not with days.")
    until: date | None = None
    days: int | None = Field(None, ge=1, le=MAX_DAYS)
    baseline_days: int = Field(28, ge=1, le=MAX_BASELINE_DAYS)
    draft: bool = Field(True, description="Draft insights from the new signals.")


class DetectionPublic(BaseModel):
    """What a run stored: new signals, findings already known, drafts, detectors' problems."""

    date_from: date
    date_to: date
    created: list[SignalPublic]
    already_known: int
    drafted_insight_ids: list[int]
    enriched_insight_ids: list[int]
    #: Subjects whose earlier draft was dismissed: their new signals were drafted into nothing.
    dismissed_subjects: list[str]
    problems: list[str]


@router.post(
    "/detect/run", response_model=DetectionPublic, status_code=200, summary="Run the detectors"
)
def post_detect_run(request: Request, caller: CallerDep, body: DetectionRun) -> DetectionPublic:
    """Run every detector over the period; a finding already stored is not stored again."""
    runtime: Runtime = request.app.state.runtime
    window = detection_window(
        runtime.database, caller.project_id,
        until=body.until.isoformat() if body.until else None,
        since=body.since.isoformat() if body.since else None,
        days=body.days, baseline_days=body.baseline_days,
    )  # fmt: skip
    with transaction(request) as session:
        report = run_detection(session, runtime.store, caller, window, draft=body.draft)
        return DetectionPublic(
            date_from=window.current.start,
            date_to=window.current.end,
            created=[SignalPublic.model_validate(s) for s in report.created],
            already_known=report.already_known,
            drafted_insight_ids=[i.id for i in report.drafts.created],
            enriched_insight_ids=[i.id for i in report.drafts.enriched],
            dismissed_subjects=report.drafts.dismissed,
            problems=report.problems,
        )
