"""Knowledge base API: actions, their statuses and their RICE priority."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from launchloop.knowledge.actions import (
    create_action,
    get_action,
    list_actions,
    move_action,
    prioritize_action,
    update_action,
)
from launchloop.knowledge.reach import action_events, measure_reach
from launchloop.knowledge.roles import require_writer
from launchloop.web.api.knowledge import CallerDep, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

Kind = Literal["experiment", "improvement", "fix"]
Status = Literal["proposed", "planned", "in_progress", "evaluating", "done", "dropped"]


class ActionBase(BaseModel):
    """The testable parts of an action."""

    observation: str = Field("", max_length=10_000)
    hypothesis: str = Field("", max_length=10_000)
    impact_kpi_id: int | None = None
    baseline: float | None = None
    expected_change: float | None = None
    evaluation_date: date | None = None
    effort: float | None = Field(None, gt=0)
    owner_team_id: int | None = None


class ActionCreate(ActionBase):
    """A proposed action standing on validated insights."""

    kind: Kind
    title: str = Field(min_length=1, max_length=300)
    insight_ids: list[int] = Field(min_length=1, max_length=100)


class ActionUpdate(BaseModel):
    """Changes to an action."""

    title: str | None = Field(None, min_length=1, max_length=300)
    insight_ids: list[int] | None = Field(None, min_length=1, max_length=100)
    observation: str | None = Field(None, max_length=10_000)
    hypothesis: str | None = Field(None, max_length=10_000)
    impact_kpi_id: int | None = None
    baseline: float | None = None
    expected_change: float | None = None
    evaluation_date: date | None = None
    effort: float | None = Field(None, gt=0)
    owner_team_id: int | None = None


class ActionPublic(Record, ActionCreate):
    """An action with its status and last computed priority."""

    status: Status
    accepted_by: str | None
    accepted_at: datetime | None
    priority: dict[str, Any] | None
    priority_score: float | None


class StatusChange(BaseModel):
    """A new status."""

    status: Status


class PriorityPublic(BaseModel):
    """A RICE score with its parts and the events reach was measured from."""

    reach: int
    reach_events: list[str]
    relative_change: float
    impact: float
    confidence: float
    confidence_basis: str
    effort: float
    score: float


@router.post("/actions", response_model=ActionPublic, status_code=201, summary="Propose an action")
def post_action(request: Request, caller: CallerDep, body: ActionCreate) -> ActionPublic:
    """Propose an action born of validated insights."""
    with transaction(request) as session:
        return ActionPublic.model_validate(create_action(session, caller, **body.model_dump()))


@router.get("/actions", response_model=list[ActionPublic], summary="The backlog")
def get_actions(
    request: Request,
    caller: CallerDep,
    status: Status | None = None,
    kind: Kind | None = None,
    owner_team_id: int | None = None,
    limit: int = Query(100, ge=1, le=1_000),
) -> list[ActionPublic]:
    """The project's actions, highest priority first."""
    with transaction(request) as session:
        found = list_actions(
            session,
            caller.project_id,
            status=status,
            kind=kind,
            owner_team_id=owner_team_id,
            limit=limit,
        )
        return [ActionPublic.model_validate(a) for a in found]


@router.get("/actions/{action_id}", response_model=ActionPublic, summary="An action")
def get_one_action(request: Request, caller: CallerDep, action_id: int) -> ActionPublic:
    """One action."""
    with transaction(request) as session:
        return ActionPublic.model_validate(get_action(session, caller.project_id, action_id))


@router.patch("/actions/{action_id}", response_model=ActionPublic, summary="Edit an action")
def patch_action(
    request: Request, caller: CallerDep, action_id: int, body: ActionUpdate
) -> ActionPublic:
    """Edit an action that is not done or dropped."""
    with transaction(request) as session:
        changes = body.model_dump(exclude_unset=True)
        return ActionPublic.model_validate(update_action(session, caller, action_id, **changes))


@router.post("/actions/{action_id}/status", response_model=ActionPublic, summary="Move an action")
def post_action_status(
    request: Request, caller: CallerDep, action_id: int, body: StatusChange
) -> ActionPublic:
    """Move an action; leaving "proposed" needs what the loop asks for, and a decider."""
    with transaction(request) as session:
        return ActionPublic.model_validate(move_action(session, caller, action_id, body.status))


@router.post(
    "/actions/{action_id}/priority", response_model=PriorityPublic, summary="Prioritize an action"
)
def post_priority(request: Request, caller: CallerDep, action_id: int) -> PriorityPublic:
    """Compute RICE now: reach measured in the event store from the insights' evidence."""
    store = request.app.state.runtime.store
    with transaction(request) as session:
        events = action_events(session, get_action(session, caller.project_id, action_id))
        require_writer(caller, "prioritizing an action")  # before measuring: 403, not 422
        reach = measure_reach(store, caller.project_id, events)
        priority = prioritize_action(session, caller, action_id, reach=reach)
        return PriorityPublic(**priority.as_dict(), reach_events=events)
