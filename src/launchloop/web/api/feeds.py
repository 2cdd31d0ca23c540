"""Team feeds and subscriptions over HTTP (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from launchloop.loop.feeds import find_team, team_feed
from launchloop.loop.subscriptions import list_subscriptions, subscribe, unsubscribe
from launchloop.loop.team_briefs import team_brief
from launchloop.web.api.knowledge import CallerDep, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["loop"])


class SubscriptionCreate(BaseModel):
    """Who follows what: one of member_id and team_id, and ``launch:``/``kpi:``/``tag:`` name."""

    subject: str = Field(min_length=3, max_length=300)
    member_id: int | None = None
    team_id: int | None = None


class SubscriptionPublic(Record, SubscriptionCreate):
    """A subscription."""


@router.get("/teams/{team_id}/feed", summary="A team's feed")
def get_team_feed(
    request: Request,
    caller: CallerDep,
    team_id: int,
    days: int = Query(7, ge=1, le=366, description="How many days back new items count."),
) -> dict[str, Any]:
    """New signals and drafts of what the team observes, insights for it, its actions."""
    since = datetime.now(UTC) - timedelta(days=days)
    with transaction(request) as session:
        return team_feed(session, caller.project_id, team_id, since=since).as_dict()


@router.get("/teams/{team_id}/brief", summary="What a team can act on")
def get_team_brief(
    request: Request,
    caller: CallerDep,
    team_id: int,
    days: int = Query(7, ge=1, le=366, description="The period compared with the one before."),
) -> dict[str, Any]:
    """For support: feedback themes as suggested FAQ entries (count, trend, questions, answer
    skeleton); for marketing: funnel findings; for tech: friction and error findings."""
    with transaction(request) as session:
        team = find_team(session, caller.project_id, team_id)
        return team_brief(
            session, caller.project_id, team, now=datetime.now(UTC), days=days
        ).as_dict()


@router.get("/subscriptions", response_model=list[SubscriptionPublic], summary="Subscriptions")
def get_subscriptions(request: Request, caller: CallerDep) -> list[SubscriptionPublic]:
    """Who follows which launch, KPI or tag."""
    with transaction(request) as session:
        rows = list_subscriptions(session, caller.project_id)
        return [SubscriptionPublic.model_validate(row) for row in rows]


@router.post(
    "/subscriptions", response_model=SubscriptionPublic, status_code=201, summary="Subscribe"
)
def post_subscription(
    request: Request, caller: CallerDep, body: SubscriptionCreate
) -> SubscriptionPublic:
    """Make a member or a team follow a launch, a KPI or a tag."""
    with transaction(request) as session:
        row = subscribe(
            session, caller, body.subject, member_id=body.member_id, team_id=body.team_id
        )
        return SubscriptionPublic.model_validate(row)


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Unsubscribe")
def delete_subscription(request: Request, caller: CallerDep, subscription_id: int) -> None:
    """Stop a subscription."""
    with transaction(request) as session:
        unsubscribe(session, caller, subscription_id)
