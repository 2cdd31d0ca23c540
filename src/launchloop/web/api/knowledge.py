"""Knowledge base API, shared parts: the caller, one transaction per request; teams, members,
who decides what, comments and change history.

Every route parses, calls ``launchloop.knowledge`` inside one transaction (nothing is half
written: an error rolls the whole request back) and formats the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from launchloop.knowledge.comments import add_comment, comments_on
from launchloop.knowledge.history import history_of
from launchloop.knowledge.roles import (
    Caller,
    caller_for_token,
    decision_roles,
    set_decision_role,
)
from launchloop.knowledge.teams import (
    create_member,
    create_member_token,
    create_team,
    ensure_default_teams,
    list_members,
    set_member_role,
    update_team,
)
from launchloop.web.auth import header_key

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

Role = Literal["viewer", "contributor", "decider", "admin"]
Decision = Literal["validate_insight", "accept_action", "decide_experiment"]
ItemKind = Literal["insight", "action", "experiment", "learning", "signal", "launch"]


def knowledge_caller(request: Request) -> Caller:
    """Dependency: the project, role and author name behind the request's secret token."""
    with request.app.state.runtime.database.session() as session:
        return caller_for_token(session, header_key(request))


CallerDep = Annotated[Caller, Depends(knowledge_caller)]


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """One transaction for the request: committed when the route succeeds, else rolled back."""
    with request.app.state.runtime.database.session() as session:
        yield session


class Public(BaseModel):
    """Base of every answer schema: read from the SQLAlchemy records."""

    model_config = ConfigDict(from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        # SQLite gives back the UTC times it stored without their zone: say it is UTC.
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Record(Public):
    """Fields every knowledge record has."""

    id: int
    author: str
    created_at: datetime
    updated_at: datetime


class TeamBase(BaseModel):
    """What a team is and observes (``signal:<kind>``, ``feedback:<source>``, ``kpi:<name>``)."""

    description: str = Field("", max_length=2_000)
    observes: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list)


class TeamCreate(TeamBase):
    """A new team."""

    name: str = Field(min_length=1, max_length=100)


class TeamUpdate(BaseModel):
    """Changes to a team."""

    description: str | None = Field(None, max_length=2_000)
    observes: list[Annotated[str, Field(max_length=200)]] | None = None


class TeamPublic(Record, TeamCreate):
    """A team."""


class MemberCreate(BaseModel):
    """A new member with a role."""

    name: str = Field(min_length=1, max_length=200)
    role: Role = "contributor"
    email: str | None = Field(None, max_length=320)
    team_id: int | None = None


class MemberPublic(Record, MemberCreate):
    """A member."""


class RoleChange(BaseModel):
    """A new role."""

    role: Role


class NewToken(BaseModel):
    """A secret token, shown once."""

    token: str


class CommentCreate(BaseModel):
    """A comment on an item."""

    item_kind: ItemKind
    item_id: int
    body: str = Field(min_length=1, max_length=20_000)
    team_id: int | None = None


class CommentPublic(Record, CommentCreate):
    """A comment."""


class ChangePublic(Public):
    """One change of an item: field -> [before, after]."""

    id: int
    author: str
    verb: str
    changes: dict[str, Any]
    created_at: datetime


@router.get("/teams", response_model=list[TeamPublic], summary="Teams")
def get_teams(request: Request, caller: CallerDep) -> list[TeamPublic]:
    """The project's teams (product, marketing, support, tech unless configured)."""
    with transaction(request) as session:
        return [
            TeamPublic.model_validate(t) for t in ensure_default_teams(session, caller.project_id)
        ]


@router.post("/teams", response_model=TeamPublic, status_code=201, summary="Add a team")
def post_team(request: Request, caller: CallerDep, body: TeamCreate) -> TeamPublic:
    """Add a team (admin)."""
    with transaction(request) as session:
        ensure_default_teams(session, caller.project_id)
        return TeamPublic.model_validate(create_team(session, caller, **body.model_dump()))


@router.patch("/teams/{team_id}", response_model=TeamPublic, summary="Change a team")
def patch_team(request: Request, caller: CallerDep, team_id: int, body: TeamUpdate) -> TeamPublic:
    """Change what a team is and observes (admin)."""
    with transaction(request) as session:
        team = update_team(session, caller, team_id, **body.model_dump(exclude_unset=True))
        return TeamPublic.model_validate(team)


@router.get("/members", response_model=list[MemberPublic], summary="Members")
def get_members(request: Request, caller: CallerDep) -> list[MemberPublic]:
    """The project's members and their roles."""
    with transaction(request) as session:
        return [MemberPublic.model_validate(m) for m in list_members(session, caller.project_id)]


@router.post("/members", response_model=MemberPublic, status_code=201, summary="Add a member")
def post_member(request: Request, caller: CallerDep, body: MemberCreate) -> MemberPublic:
    """Add a person with a role (admin)."""
    with transaction(request) as session:
        return MemberPublic.model_validate(create_member(session, caller, **body.model_dump()))


@router.post("/members/{member_id}/role", response_model=MemberPublic, summary="Change a role")
def post_member_role(
    request: Request, caller: CallerDep, member_id: int, body: RoleChange
) -> MemberPublic:
    """Change a member's role and the role of its tokens (admin)."""
    with transaction(request) as session:
        return MemberPublic.model_validate(set_member_role(session, caller, member_id, body.role))


@router.post(
    "/members/{member_id}/tokens", response_model=NewToken, status_code=201, summary="Token"
)
def post_member_token(request: Request, caller: CallerDep, member_id: int) -> NewToken:
    """A secret token that acts as the member, with its role; shown once (admin)."""
    with transaction(request) as session:
        return NewToken(token=create_member_token(session, caller, member_id))


@router.get("/decision-roles", response_model=dict[str, str], summary="Who decides what")
def get_decision_roles(request: Request, caller: CallerDep) -> dict[str, str]:
    """Each decision and the least role that takes it."""
    with transaction(request) as session:
        return decision_roles(session, caller.project_id)


@router.put("/decision-roles/{decision}", response_model=dict[str, str], summary="Set who decides")
def put_decision_role(
    request: Request, caller: CallerDep, decision: Decision, body: RoleChange
) -> dict[str, str]:
    """Make a role (and those above) take a decision (admin)."""
    with transaction(request) as session:
        set_decision_role(session, caller, decision=decision, role=body.role)
        return decision_roles(session, caller.project_id)


@router.post("/comments", response_model=CommentPublic, status_code=201, summary="Comment")
def post_comment(request: Request, caller: CallerDep, body: CommentCreate) -> CommentPublic:
    """Comment on an item of the project."""
    with transaction(request) as session:
        return CommentPublic.model_validate(add_comment(session, caller, **body.model_dump()))


@router.get(
    "/comments/{item_kind}/{item_id}", response_model=list[CommentPublic], summary="Comments"
)
def get_comments(
    request: Request, caller: CallerDep, item_kind: ItemKind, item_id: int
) -> list[CommentPublic]:
    """The comments on one item, oldest first."""
    with transaction(request) as session:
        found = comments_on(session, caller.project_id, item_kind, item_id)
        return [CommentPublic.model_validate(c) for c in found]


@router.get(
    "/history/{item_kind}/{item_id}", response_model=list[ChangePublic], summary="Change history"
)
def get_history(
    request: Request, caller: CallerDep, item_kind: str, item_id: int
) -> list[ChangePublic]:
    """Who changed what on one item, oldest first."""
    with transaction(request) as session:
        found = history_of(session, caller.project_id, item_kind, item_id)
        return [ChangePublic.model_validate(c) for c in found]
