"""Notification preferences, sending, and the delivery log over HTTP (issue 9)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from launchloop.knowledge.roles import require_writer
from launchloop.loop.notify import Outbox, list_deliveries, list_preferences, notify, set_preference
from launchloop.web.api.knowledge import CallerDep, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["loop"])
Channel = Literal["email", "slack", "webhook"]
Cadence = Literal["immediate", "daily", "weekly"]


class PreferenceSet(BaseModel):
    """How a member is told on one channel."""

    channel: Channel
    address: str = Field(min_length=3, max_length=2000)
    cadence: Cadence = "daily"
    secret: str | None = Field(None, max_length=200, description="Signs generic webhooks.")


class PreferencePublic(Record):
    """A notification preference (the webhook secret is never shown)."""

    member_id: int
    channel: str
    address: str
    cadence: str
    notified_until: datetime | None


class DeliveryPublic(Record):
    """One row of the delivery log."""

    channel: str
    address: str
    member_id: int | None
    subject: str
    status: str
    attempts: int
    last_code: int | None
    error: str


@router.put(
    "/members/{member_id}/notifications",
    response_model=PreferencePublic,
    summary="Set a notification preference",
)
def put_preference(
    request: Request, caller: CallerDep, member_id: int, body: PreferenceSet
) -> PreferencePublic:
    """Create or change how a member is told on one channel, and how often."""
    with transaction(request) as session:
        row = set_preference(session, caller, member_id, **body.model_dump())
        return PreferencePublic.model_validate(row)


@router.get(
    "/notifications/preferences",
    response_model=list[PreferencePublic],
    summary="Notification preferences",
)
def get_preferences(request: Request, caller: CallerDep) -> list[PreferencePublic]:
    """Every member's notification preferences."""
    with transaction(request) as session:
        rows = list_preferences(session, caller.project_id)
        return [PreferencePublic.model_validate(row) for row in rows]


@router.post(
    "/notifications/{cadence}",
    response_model=list[DeliveryPublic],
    summary="Send the notices of a cadence",
)
def post_notifications(
    request: Request, caller: CallerDep, cadence: Cadence
) -> list[DeliveryPublic]:
    """Send now the immediate notices or the daily / weekly digests that are due."""
    require_writer(caller, "sending notices")
    outbox = Outbox.of(request.app.state.runtime.settings)
    with transaction(request) as session:
        rows = notify(session, caller.project_id, cadence, outbox)
        return [DeliveryPublic.model_validate(row) for row in rows]


@router.get(
    "/notifications/deliveries", response_model=list[DeliveryPublic], summary="Delivery log"
)
def get_deliveries(request: Request, caller: CallerDep) -> list[DeliveryPublic]:
    """The latest deliveries, newest first."""
    with transaction(request) as session:
        return [
            DeliveryPublic.model_validate(r) for r in list_deliveries(session, caller.project_id)
        ]
