"""Knowledge base API: full-text search and similar items."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from launchloop.feedback.embeddings import default_embedder
from launchloop.knowledge.search import KINDS, SearchFilters, search, similar
from launchloop.knowledge.similarity import similar_by_meaning
from launchloop.web.api.knowledge import CallerDep, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

Kind = Literal["insight", "action", "experiment", "learning", "quote"]


class SearchHitPublic(BaseModel):
    """An item found: its kind, id, title, status, score (and insight of a quote)."""

    kind: Kind
    id: int
    title: str
    status: str | None
    score: float
    insight_id: int | None


class SimilarQuery(BaseModel):
    """The text of a new insight or action, and how to compare."""

    text: str = Field(min_length=1, max_length=10_000)
    limit: int = Field(5, ge=1, le=50)
    by: Literal["meaning", "words"] = "meaning"


class SimilarPublic(BaseModel):
    """The closest items and the method that found them (the embedder's name, or "words")."""

    method: str
    items: list[SearchHitPublic]


@router.get("/search", response_model=list[SearchHitPublic], summary="Search the knowledge")
def get_search(
    request: Request,
    caller: CallerDep,
    q: str = Query(min_length=1, max_length=1_000, description="Words to find (all of them)."),
    kind: list[Kind] = Query(default=[], description="Only these kinds (repeatable)."),
    status: str | None = None,
    team_id: int | None = None,
    tag: str | None = None,
    launch_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    match: Literal["all", "any"] = "all",
    limit: int = Query(20, ge=1, le=200),
) -> list[SearchHitPublic]:
    """Insights, actions, experiments, learnings and feedback quotes, most relevant first."""
    filters = SearchFilters(tuple(kind) or KINDS, status, team_id, tag, launch_id, since, until)
    with transaction(request) as session:
        hits = search(session, caller.project_id, q, filters=filters, match=match, limit=limit)
    return [SearchHitPublic(**hit.__dict__) for hit in hits]


@router.post("/similar", response_model=SimilarPublic, summary="Similar items")
def post_similar(request: Request, caller: CallerDep, body: SimilarQuery) -> SimilarPublic:
    """Items close to a text being written (so nobody repeats an old experiment unknowingly).

    By meaning with the offline embedding model (a hashed n-gram fallback when it cannot load),
    or by shared words.
    """
    with transaction(request) as session:
        if body.by == "words":
            method, hits = "words", similar(session, caller.project_id, body.text, limit=body.limit)
        else:
            embedder = default_embedder()
            hits = similar_by_meaning(
                session, caller.project_id, body.text, embedder, limit=body.limit
            )
            method = embedder.name
    return SimilarPublic(method=method, items=[SearchHitPublic(**h.__dict__) for h in hits])
