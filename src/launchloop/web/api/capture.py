"""Ingestion endpoints: native, PostHog-compatible and Segment-compatible.

Handlers only read the body, find the project and hand over to ``launchloop.ingest``; each
answers after the events it accepted are committed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from launchloop.errors import TooLarge
from launchloop.ingest.decode import decode_body
from launchloop.ingest.formats import Envelope
from launchloop.ingest.formats.native import read_native
from launchloop.ingest.formats.posthog import read_posthog
from launchloop.ingest.formats.segment import TYPES, read_segment
from launchloop.ingest.pipeline import prepare
from launchloop.runtime import Runtime
from launchloop.web.auth import KeyRing, header_key

router = APIRouter(tags=["ingestion"])

POSTHOG_PATHS = ("/batch/", "/capture/", "/e/", "/i/v0/e/", "/track/", "/engage/")


class RejectedEvent(BaseModel):
    """An event of the batch that was not stored, and why."""

    index: int
    field: str
    reason: str


class IngestResult(BaseModel):
    """How many events of the request were stored, and which were refused."""

    accepted: int
    rejected: list[RejectedEvent]


async def _body(request: Request) -> bytes:
    limit: int = request.app.state.runtime.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"body is {declared} bytes, over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _ingest(request: Request, envelope: Envelope, extra: dict[str, Any]) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    keys: KeyRing = request.app.state.keys
    project_id = keys.public(envelope.key or header_key(request))
    if len(envelope.events) > runtime.settings.max_batch_events:
        raise TooLarge(
            f"{len(envelope.events)} events in one request, over the limit of "
            f"{runtime.settings.max_batch_events}"
        )
    prepared = prepare(
        envelope.events,
        project_id=project_id,
        max_event_bytes=runtime.settings.max_event_bytes,
        anonymize_ips=runtime.settings.anonymize_ips,
    )
    if prepared.accepted:
        await runtime.writer.write(prepared.batch)
    rejected = [
        {"index": r.index, "field": r.field, "reason": r.reason} for r in prepared.rejections
    ]
    status = 400 if rejected and not prepared.accepted else 200
    return JSONResponse(
        {**extra, "accepted": prepared.accepted, "rejected": rejected}, status_code=status
    )


async def _limit(request: Request) -> Any:
    return decode_body(
        await _body(request), limit=request.app.state.runtime.settings.max_body_bytes
    )


@router.post("/api/v1/events", response_model=IngestResult, summary="Send events (native)")
async def capture_native(request: Request) -> JSONResponse:
    """Store ``{"api_key", "events": [...]}`` (or the key as ``Authorization: Bearer``)."""
    return await _ingest(request, read_native(await _limit(request)), {})


async def capture_posthog(request: Request) -> JSONResponse:
    """PostHog capture: posthog-python's ``/batch/``, posthog-js's ``/e/`` (gzip, base64, form)."""
    return await _ingest(request, read_posthog(await _limit(request)), {"status": 1})


for _path in POSTHOG_PATHS:
    router.add_api_route(
        _path,
        capture_posthog,
        methods=["POST"],
        response_model=IngestResult,
        summary=f"PostHog-compatible capture ({_path})",
        operation_id=f"capture_posthog_{_path.strip('/').replace('/', '_')}",
    )


def _segment_route(path_type: str | None):  # type: ignore[no-untyped-def]
    async def capture_segment(request: Request) -> JSONResponse:
        payload = await _limit(request)
        return await _ingest(request, read_segment(payload, path_type=path_type), {"success": True})

    return capture_segment


for _type in (None, *TYPES):
    router.add_api_route(
        f"/v1/{_type or 'batch'}",
        _segment_route(_type),
        methods=["POST"],
        response_model=IngestResult,
        summary=f"Segment-compatible {_type or 'batch'}",
        operation_id=f"capture_segment_{_type or 'batch'}",
    )
