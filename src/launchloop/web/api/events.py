"""Reading events and persons back (secret token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel

from launchloop.errors import NotFound
from launchloop.runtime import Runtime
from launchloop.web.auth import SecretProject

router = APIRouter(prefix="/api/v1", tags=["events"])


def _as_utc(moment: datetime) -> datetime:
    """Stores keep naive UTC times; say so on the wire (``...Z``) instead of leaving it implied."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class EventPublic(BaseModel):
    """One stored event."""

    uuid: str
    timestamp: UtcDatetime
    received_at: UtcDatetime
    event: str
    distinct_id: str
    person_id: str
    session_id: str | None
    properties: dict[str, Any]
    url: str | None
    path: str | None
    referrer: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    element: str | None


class PersonPublic(BaseModel):
    """A person: every distinct id merged into it and its properties."""

    person_id: str
    distinct_ids: list[str]
    properties: dict[str, Any]
    #: An identify or alias named this person (an identify never merges it into another).
    is_identified: bool = False


@router.get("/events", response_model=list[EventPublic], summary="Recent events")
def list_events(
    request: Request,
    project_id: SecretProject,
    event: str | None = None,
    distinct_id: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """The newest events of the project, optionally of one event name or distinct id."""
    runtime: Runtime = request.app.state.runtime
    return runtime.store.recent_events(
        project_id, event=event, distinct_id=distinct_id, limit=limit
    )


@router.get("/persons/{distinct_id:path}", response_model=PersonPublic, summary="A person")
def get_person(request: Request, project_id: SecretProject, distinct_id: str) -> dict[str, Any]:
    """The person behind a distinct id, with the ids merged into it and its properties."""
    runtime: Runtime = request.app.state.runtime
    person = runtime.store.person(project_id, distinct_id)
    if person is None:
        raise NotFound(f"no person with distinct id {distinct_id!r}")
    return person
