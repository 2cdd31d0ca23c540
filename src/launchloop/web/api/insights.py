"""Knowledge base API: insights, their evidence and their statuses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from launchloop.knowledge.evidence import add_evidence, remove_evidence
from launchloop.knowledge.freshness import check_figures, mark_stale, project_runner
from launchloop.knowledge.insights import (
    MAX_CONTEXT,
    MAX_STATEMENT,
    change_insight_status,
    create_insight,
    get_insight,
    list_insights,
    update_insight,
    validate_insight,
)
from launchloop.knowledge.markdown import insight_markdown
from launchloop.web.api.knowledge import CallerDep, Public, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

Status = Literal["draft", "validated", "stale", "retired"]
Tag = Annotated[str, Field(min_length=1, max_length=100)]


class EvidenceCreate(BaseModel):
    """A piece of evidence: a signal, a saved query with its figure, feedback, or a learning."""

    kind: Literal["signal", "query", "feedback", "learning"]
    signal_id: int | None = None
    learning_id: int | None = None
    feedback_id: str | None = Field(None, max_length=64)
    quote: str | None = Field(None, max_length=10_000)
    query: dict[str, Any] | None = None
    figure: float | None = None
    figure_label: str = Field("", max_length=200)
    supports: bool = True
    note: str = Field("", max_length=10_000)


class EvidencePublic(Public, EvidenceCreate):
    """A piece of evidence, with its figure at capture and at the last re-validation."""

    id: int
    author: str
    captured_at: datetime
    last_figure: float | None
    last_run_at: datetime | None


class InsightBase(BaseModel):
    """What an insight says, its context and who it concerns."""

    context: str = Field("", max_length=MAX_CONTEXT)
    launch_id: int | None = None
    team_ids: list[int] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    review_by: date | None = None


class InsightCreate(InsightBase):
    """A new (draft) insight, optionally with its first evidence."""

    statement: str = Field(min_length=1, max_length=MAX_STATEMENT)
    evidence: list[EvidenceCreate] = Field(default_factory=list, max_length=100)


class InsightUpdate(BaseModel):
    """Changes to an insight."""

    statement: str | None = Field(None, min_length=1, max_length=MAX_STATEMENT)
    context: str | None = Field(None, max_length=MAX_CONTEXT)
    team_ids: list[int] | None = None
    tags: list[Tag] | None = None
    review_by: date | None = None


class InsightPublic(Record, InsightBase):
    """An insight with its status, computed confidence and evidence."""

    statement: str
    status: Status
    confidence: float
    validated_by: str | None
    validated_at: datetime | None
    evidence: list[EvidencePublic]


class ValidateBody(BaseModel):
    """Validation options."""

    review_by: date | None = None


class FigureChangePublic(BaseModel):
    """A saved query's figure at capture and now, as people read it ("37% -> 22%")."""

    evidence_id: int
    label: str
    captured: float | None
    now: float | None
    shown: str


class RevalidationPublic(BaseModel):
    """The insight after re-validation and how each figure moved since capture."""

    insight: InsightPublic
    changes: list[FigureChangePublic]


class StatusChange(BaseModel):
    """A new status."""

    status: Status


@router.post("/insights", response_model=InsightPublic, status_code=201, summary="Write an insight")
def post_insight(request: Request, caller: CallerDep, body: InsightCreate) -> InsightPublic:
    """Write a draft insight with its evidence, all or nothing."""
    with transaction(request) as session:
        insight = create_insight(session, caller, **body.model_dump(exclude={"evidence"}))
        for piece in body.evidence:
            add_evidence(session, caller, insight.id, **piece.model_dump())
        return InsightPublic.model_validate(insight)


@router.get("/insights", response_model=list[InsightPublic], summary="Insights")
def get_insights(
    request: Request,
    caller: CallerDep,
    status: Status | None = None,
    team_id: int | None = None,
    tag: str | None = None,
    launch_id: int | None = None,
    limit: int = Query(100, ge=1, le=1_000),
) -> list[InsightPublic]:
    """The project's insights, newest first, filtered by status, team, tag or launch."""
    with transaction(request) as session:
        found = list_insights(
            session,
            caller.project_id,
            status=status,
            team_id=team_id,
            tag=tag,
            launch_id=launch_id,
            limit=limit,
        )
        return [InsightPublic.model_validate(i) for i in found]


@router.get("/insights/{insight_id}", response_model=InsightPublic, summary="An insight")
def get_one_insight(request: Request, caller: CallerDep, insight_id: int) -> InsightPublic:
    """One insight with its evidence."""
    with transaction(request) as session:
        return InsightPublic.model_validate(get_insight(session, caller.project_id, insight_id))


@router.patch("/insights/{insight_id}", response_model=InsightPublic, summary="Edit an insight")
def patch_insight(
    request: Request, caller: CallerDep, insight_id: int, body: InsightUpdate
) -> InsightPublic:
    """Edit an insight (not a retired one)."""
    with transaction(request) as session:
        changes = body.model_dump(exclude_unset=True)
        return InsightPublic.model_validate(update_insight(session, caller, insight_id, **changes))


@router.post(
    "/insights/{insight_id}/validate", response_model=InsightPublic, summary="Validate an insight"
)
def post_validate(
    request: Request, caller: CallerDep, insight_id: int, body: ValidateBody | None = None
) -> InsightPublic:
    """Validate a draft or stale insight (the project's validating role)."""
    review_by = body.review_by if body else None
    with transaction(request) as session:
        insight = validate_insight(session, caller, insight_id, review_by=review_by)
        return InsightPublic.model_validate(insight)


@router.post(
    "/insights/{insight_id}/status", response_model=InsightPublic, summary="Move an insight"
)
def post_insight_status(
    request: Request, caller: CallerDep, insight_id: int, body: StatusChange
) -> InsightPublic:
    """Move an insight: draft -> validated -> stale -> retired (re-validate a stale one)."""
    with transaction(request) as session:
        insight = change_insight_status(session, caller, insight_id, body.status)
        return InsightPublic.model_validate(insight)


@router.post(
    "/insights/{insight_id}/evidence",
    response_model=InsightPublic,
    status_code=201,
    summary="Add evidence",
)
def post_evidence(
    request: Request, caller: CallerDep, insight_id: int, body: EvidenceCreate
) -> InsightPublic:
    """Link evidence to an insight; its confidence is recomputed."""
    with transaction(request) as session:
        add_evidence(session, caller, insight_id, **body.model_dump())
        return InsightPublic.model_validate(get_insight(session, caller.project_id, insight_id))


@router.delete(
    "/insights/{insight_id}/evidence/{evidence_id}",
    response_model=InsightPublic,
    summary="Remove evidence",
)
def delete_evidence(
    request: Request, caller: CallerDep, insight_id: int, evidence_id: int
) -> InsightPublic:
    """Unlink a piece of evidence; the insight's confidence is recomputed."""
    with transaction(request) as session:
        insight = remove_evidence(session, caller, insight_id, evidence_id)
        return InsightPublic.model_validate(insight)


@router.get(
    "/insights/{insight_id}/markdown",
    response_class=PlainTextResponse,
    summary="An insight as Markdown",
)
def get_markdown(request: Request, caller: CallerDep, insight_id: int) -> str:
    """The insight, its evidence, actions and comments as a Markdown document."""
    with transaction(request) as session:
        return insight_markdown(session, caller.project_id, insight_id)


@router.post("/insights/stale", response_model=list[int], summary="Mark overdue insights stale")
def post_stale(request: Request, caller: CallerDep) -> list[int]:
    """Turn validated insights past their review date into stale ones; their ids."""
    with transaction(request) as session:
        return mark_stale(session, caller)


@router.post(
    "/insights/{insight_id}/revalidate",
    response_model=RevalidationPublic,
    summary="Re-run an insight's saved queries",
)
def post_revalidate(
    request: Request, caller: CallerDep, insight_id: int, body: ValidateBody | None = None
) -> RevalidationPublic:
    """Re-run the saved queries of the evidence over the latest days; a stale insight is
    validated again (the validating role), others keep their status."""
    runtime = request.app.state.runtime
    run = project_runner(runtime.database, runtime.store, caller.project_id)
    review_by = body.review_by if body else None
    with transaction(request) as session:
        result = check_figures(session, caller, insight_id, run, review_by=review_by)
        changes = [
            FigureChangePublic(
                evidence_id=c.evidence_id,
                label=c.label,
                captured=c.captured,
                now=c.now,
                shown=c.shown,
            )
            for c in result.changes
        ]
        return RevalidationPublic(
            insight=InsightPublic.model_validate(result.insight), changes=changes
        )
