"""Closing the loop with users (issue 11): feedback links and triage, messages to authors.

The public pages (unsubscribe links, changelog, Atom feed) are in ``web/ui/closing_public.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from launchloop.closing.links import feedback_links
from launchloop.closing.outbox import (
    SmtpServer,
    list_messages,
    prepare_messages,
    send_messages,
)
from launchloop.closing.preferences import closing_settings, set_closing_settings
from launchloop.closing.reach import address_book
from launchloop.closing.triage import merge_duplicate, read_triage, set_state
from launchloop.web.api.knowledge import CallerDep, Public, transaction

router = APIRouter(prefix="/api/v1", tags=["closing the loop"])


#: Ids fit a 64-bit integer column (SQLite and PostgreSQL refuse bigger ones).
MAX_ID = 2**63 - 1
FeedbackId = Annotated[int, Path(ge=1, le=MAX_ID)]
TriageState = Literal["new", "read", "linked", "done", "spam"]
MessageStatus = Literal["pending", "sent", "failed", "withheld"]


class LinkedPublic(BaseModel):
    """An insight, action or experiment a feedback item supports."""

    id: int
    title: str
    status: str


class FeedbackLinksPublic(BaseModel):
    """What a feedback item (and its merged duplicates) supports."""

    feedback_id: FeedbackId
    insights: list[LinkedPublic]
    actions: list[LinkedPublic]
    experiments: list[LinkedPublic]


class TriagePublic(Public):
    """A feedback item's triage state."""

    feedback_id: FeedbackId
    state: str
    merged_into_id: int | None
    updated_at: datetime


class StateChange(BaseModel):
    """The triage state to move to."""

    state: TriageState


class Merge(BaseModel):
    """The item a duplicate is merged into."""

    into_id: int = Field(ge=1, le=MAX_ID)


class ClosingSettingsPublic(Public):
    """Whether messages leave without review and whether the changelog is public."""

    auto_send: bool
    changelog_public: bool


class ClosingSettingsUpdate(BaseModel):
    """Settings to change (absent ones stay)."""

    auto_send: bool | None = None
    changelog_public: bool | None = None


class MessagePublic(Public):
    """A message to one author."""

    id: int
    address: str
    language: str
    subject: str
    body: str
    status: str
    changes: list[str]
    error: str
    created_at: datetime
    sent_at: datetime | None


class SendRequest(BaseModel):
    """Messages to send: their ids, or every waiting one when absent."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = None


@router.get(
    "/feedback/{feedback_id}/links",
    response_model=FeedbackLinksPublic,
    summary="What a feedback item supports",
)
def get_links(request: Request, caller: CallerDep, feedback_id: FeedbackId) -> FeedbackLinksPublic:
    """The insights citing the item (or its merged duplicates), their actions and experiments."""
    with transaction(request) as session:
        links = feedback_links(session, caller.project_id, feedback_id)
        return FeedbackLinksPublic.model_validate(links, from_attributes=True)


@router.get(
    "/feedback/{feedback_id}/triage",
    response_model=TriagePublic,
    summary="A feedback item's triage state",
)
def get_triage(request: Request, caller: CallerDep, feedback_id: FeedbackId) -> TriagePublic:
    """The item's state (new until set) and the item it was merged into."""
    with transaction(request) as session:
        return TriagePublic.model_validate(read_triage(session, caller.project_id, feedback_id))


@router.post(
    "/feedback/{feedback_id}/state", response_model=TriagePublic, summary="Triage a feedback item"
)
def post_state(
    request: Request, caller: CallerDep, feedback_id: FeedbackId, body: StateChange
) -> TriagePublic:
    """Move the item to new, read, linked, done or spam (spam never hears from us)."""
    with transaction(request) as session:
        return TriagePublic.model_validate(set_state(session, caller, feedback_id, body.state))


@router.post(
    "/feedback/{feedback_id}/merge", response_model=TriagePublic, summary="Merge a duplicate"
)
def post_merge(
    request: Request, caller: CallerDep, feedback_id: FeedbackId, body: Merge
) -> TriagePublic:
    """Merge the item into another; both authors are kept and hear of what ships."""
    with transaction(request) as session:
        merged = merge_duplicate(session, caller, feedback_id, body.into_id)
        return TriagePublic.model_validate(merged)


@router.get("/closing/settings", response_model=ClosingSettingsPublic, summary="How users are told")
def get_closing_settings(request: Request, caller: CallerDep) -> ClosingSettingsPublic:
    """Whether messages are sent without review and whether the changelog is public."""
    with transaction(request) as session:
        return ClosingSettingsPublic.model_validate(closing_settings(session, caller.project_id))


@router.put(
    "/closing/settings", response_model=ClosingSettingsPublic, summary="Change how users are told"
)
def put_closing_settings(
    request: Request, caller: CallerDep, body: ClosingSettingsUpdate
) -> ClosingSettingsPublic:
    """Turn automatic sending or the public changelog on or off (admin)."""
    with transaction(request) as session:
        found = set_closing_settings(session, caller, **body.model_dump())
        return ClosingSettingsPublic.model_validate(found)


@router.post(
    "/closing/prepare", response_model=list[MessagePublic], summary="Prepare messages to authors"
)
def post_prepare(request: Request, caller: CallerDep) -> list[MessagePublic]:
    """One message per author with shipped changes not yet announced (sent at once if allowed)."""
    runtime = request.app.state.runtime
    with transaction(request) as session:
        made = prepare_messages(session, caller, address_book(runtime.store, caller.project_id),
                                SmtpServer.from_settings(runtime.settings))  # fmt: skip
        return [MessagePublic.model_validate(m) for m in made]


@router.get("/closing/messages", response_model=list[MessagePublic], summary="Messages to authors")
def get_messages(
    request: Request, caller: CallerDep, status: MessageStatus | None = Query(None)
) -> list[MessagePublic]:
    """The project's messages to authors, newest first."""
    with transaction(request) as session:
        found = list_messages(session, caller.project_id, status)
        return [MessagePublic.model_validate(m) for m in found]


@router.post(
    "/closing/send", response_model=list[MessagePublic], summary="Send messages to authors"
)
def post_send(request: Request, caller: CallerDep, body: SendRequest) -> list[MessagePublic]:
    """Send the reviewed messages over SMTP; an author who opted out meanwhile is withheld."""
    smtp = SmtpServer.from_settings(request.app.state.runtime.settings)
    with transaction(request) as session:
        sent = send_messages(session, caller, smtp, body.ids)
        return [MessagePublic.model_validate(m) for m in sent]
