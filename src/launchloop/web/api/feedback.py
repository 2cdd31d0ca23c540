"""Feedback API: send items in batches, list them, read and edit the themes (issue 6).

``POST /api/v1/feedback`` takes the public key for in-app kinds (the widget and its surveys)
and a secret token for the rest. The body is decoded here, not by FastAPI, so that a row with
undecodable bytes gets its own error while the good rows of the batch are stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from launchloop.errors import InvalidInput, TooLarge, Unauthorized
from launchloop.feedback.irritants import parse_period, rank_project_irritants
from launchloop.feedback.items import KINDS, PUBLIC_KINDS, add_items
from launchloop.feedback.themes import (
    merge_themes,
    refresh_themes,
    rename_theme,
    split_theme,
)
from launchloop.knowledge.models import FeedbackItem, Theme
from launchloop.knowledge.roles import require_writer
from launchloop.web.api.knowledge import CallerDep, Public, transaction
from launchloop.web.auth import KeyRing, SecretProject, header_key

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"])
MAX_BATCH_ITEMS = 1_000


class FeedbackPublic(Public):
    """A stored feedback item."""

    id: int
    kind: str
    text: str
    language: str | None
    score: float | None
    source: str
    channel: str
    author: str | None
    page: str | None
    feature: str | None
    observed_at: datetime
    tags: list[str]
    external_id: str | None
    sentiment: str
    sentiment_score: float
    theme_id: int | None


class StepDropPublic(BaseModel):
    """How many of a theme's persons reached a funnel step but not the next one."""

    step: int
    name: str
    persons: int


class ThemePublic(Public):
    """A theme, with its figures over the period asked for."""

    id: int
    name: str
    words: list[str]
    quotes: list[dict[str, Any]]
    size: int
    volume: int = 0
    previous_volume: int = 0
    trend: float | None = None
    share_negative: float | None = None
    persons: int = 0
    pages: list[str] = Field(default_factory=list)
    active: int | None = Field(None, description="Persons with an event in the period.")
    paying: int | None = Field(None, description="Persons who pay (setting paying_property).")
    mentioned_pages: list[str] = Field(
        default_factory=list, description="Pages of the events that the items name."
    )
    funnel: str | None = Field(None, description="The funnel KPI the drops are read from.")
    drops: list[StepDropPublic] = Field(default_factory=list)


class Rename(BaseModel):
    """A theme's new name."""

    name: str = Field(min_length=1, max_length=200)


class Merge(BaseModel):
    """Themes to fold into the one of the path."""

    others: list[int] = Field(min_length=1)


class Split(BaseModel):
    """How many themes to cut one into."""

    parts: int = Field(2, ge=2, le=20)


def _batch(body: bytes) -> tuple[str | None, list[Any]]:
    """The key and the rows of a body: ``[...]``, ``{"items": [...]}`` or one item."""
    try:
        data = json.loads(body.decode("utf-8", "surrogateescape"))
    except json.JSONDecodeError as error:
        raise InvalidInput("body", f"not JSON: {error.msg}") from None
    if isinstance(data, list):
        return None, data
    if not isinstance(data, dict):
        raise InvalidInput("body", "expected a list of items or {'items': [...]}")
    key = data.get("api_key")
    rows = data.get("items", [data])
    if not isinstance(rows, list):
        raise InvalidInput("items", "must be a list")
    return (key if isinstance(key, str) else None), rows


def _caller_kinds(request: Request, body_key: str | None) -> tuple[int, frozenset[str]]:
    """The project and the kinds it may send: all with a secret token, in-app with the key."""
    keys: KeyRing = request.app.state.keys
    key = header_key(request) or body_key
    try:
        return keys.secret(key), frozenset(KINDS)
    except Unauthorized:
        return keys.public(key), PUBLIC_KINDS


@router.post("", summary="Send feedback items (batch)")
async def post_feedback(request: Request) -> JSONResponse:
    """Store the good items of a batch; each bad one is listed with its field and reason."""
    limit: int = request.app.state.runtime.settings.max_body_bytes
    body = await request.body()
    if len(body) > limit:
        raise TooLarge(f"body is {len(body)} bytes, over the limit of {limit}")
    body_key, rows = _batch(body)
    project_id, kinds = _caller_kinds(request, body_key)
    if len(rows) > MAX_BATCH_ITEMS:
        raise TooLarge(f"{len(rows)} items in one request, over the limit of {MAX_BATCH_ITEMS}")
    source = "api" if kinds == frozenset(KINDS) else "widget"
    with transaction(request) as session:
        report = add_items(
            session, project_id=project_id, rows=rows, source=source, allowed_kinds=kinds
        )
    rejected = [asdict(row) for row in report.bad_rows]
    kept = len(report.stored) + report.duplicates
    status = 400 if rejected and not kept else 200
    answer = {
        "accepted": len(report.stored),
        "duplicates": report.duplicates,
        "ids": report.stored,
        "rejected": rejected,
    }
    return JSONResponse(answer, status_code=status)


@router.get("", response_model=list[FeedbackPublic], summary="List feedback items")
def get_feedback(
    request: Request,
    project_id: SecretProject,
    kind: str | None = None,
    theme_id: int | None = None,
    sentiment: str | None = None,
    limit: int = Query(100, ge=1, le=1_000),
) -> list[FeedbackItem]:
    """The newest items first, optionally of one kind, theme or sentiment."""
    query = select(FeedbackItem).where(FeedbackItem.project_id == project_id)
    if kind:
        query = query.where(FeedbackItem.kind == kind)
    if theme_id is not None:
        query = query.where(FeedbackItem.theme_id == theme_id)
    if sentiment:
        query = query.where(FeedbackItem.sentiment == sentiment)
    order = (FeedbackItem.observed_at.desc(), FeedbackItem.id.desc())
    with transaction(request) as session:
        return list(session.scalars(query.order_by(*order).limit(limit)))


@router.get("/themes", response_model=list[ThemePublic], summary="Themes and irritants")
def get_themes(
    request: Request,
    project_id: SecretProject,
    period: str = "7d",
    funnel: str | None = Query(None, description="Funnel KPI (default: the first by name)."),
) -> list[dict[str, Any]]:
    """Themes with items in the period, ranked as irritants (volume, trend, negativity), with
    their persons active and paying, where they dropped in a funnel and the pages named."""
    span = parse_period(period)
    runtime = request.app.state.runtime
    settings = runtime.settings
    with transaction(request) as session:
        ranked = rank_project_irritants(
            session,
            project_id=project_id,
            period=span,
            store=runtime.store,
            settings=settings,
            funnel_name=funnel,
        )
        query = select(Theme.id, Theme.size).where(Theme.project_id == project_id)
        sizes = {theme_id: size for theme_id, size in session.execute(query)}
    return [irritant.as_dict() | {"size": sizes.get(irritant.theme_id, 0)} for irritant in ranked]


@router.post("/themes/refresh", summary="Embed new items and update the themes")
def post_refresh(request: Request, caller: CallerDep, recluster: bool = False) -> dict[str, Any]:
    """Assign new items to themes (or regroup everything with ``recluster=true``)."""
    require_writer(caller, "refreshing themes")
    with transaction(request) as session:
        report = refresh_themes(session, project_id=caller.project_id, recluster=recluster)
    return {
        "embedded": report.embedded,
        "assigned": report.assigned,
        "reclustered": report.reclustered,
        "themes": report.themes,
    }


@router.post("/themes/{theme_id}/rename", response_model=ThemePublic, summary="Rename a theme")
def post_rename(request: Request, caller: CallerDep, theme_id: int, body: Rename) -> Theme:
    """Give a theme a name that refreshes keep."""
    require_writer(caller, "renaming a theme")
    with transaction(request) as session:
        return rename_theme(
            session, project_id=caller.project_id, theme_id=theme_id, name=body.name
        )


@router.post("/themes/{theme_id}/merge", response_model=ThemePublic, summary="Merge themes")
def post_merge(request: Request, caller: CallerDep, theme_id: int, body: Merge) -> Theme:
    """Fold the items of ``others`` into this theme."""
    require_writer(caller, "merging themes")
    with transaction(request) as session:
        return merge_themes(
            session, project_id=caller.project_id, into=theme_id, others=body.others
        )


@router.post("/themes/{theme_id}/split", response_model=list[ThemePublic], summary="Split a theme")
def post_split(request: Request, caller: CallerDep, theme_id: int, body: Split) -> list[Theme]:
    """Cut a theme in ``parts`` by meaning; the largest part keeps the id."""
    require_writer(caller, "splitting a theme")
    with transaction(request) as session:
        return split_theme(
            session, project_id=caller.project_id, theme_id=theme_id, parts=body.parts
        )
