"""Similar items while writing: what the knowledge base already holds close to a new text.

The new-signal, new-insight and new-action forms ask for this fragment as people type (HTMX,
debounced). Items sharing words come first (full-text search, stemmed: fast and precise); items
close in meaning follow (``knowledge/similarity.py`` with the offline embedder, so a French
observation finds an English insight), kept only above a cosine that means "about the same".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from launchloop.feedback.embeddings import default_embedder
from launchloop.knowledge.search import SearchHit, similar
from launchloop.knowledge.similarity import similar_by_meaning
from launchloop.web.ui.rendering import render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])
LIMIT = 5
#: Cosine from which an item counts as close in meaning, per embedder (e5 vectors of unrelated
#: texts still score ~0.8; the hashed TF-IDF is lower across the board).
CLOSE_IN_MEANING = {"e5-small-q4": 0.87, "hashed-char-tfidf": 0.45}
#: Texts shorter than this are not compared yet (a word or two finds everything).
MIN_CHARACTERS = 8


@router.get("/app/{project_id}/similar", response_class=HTMLResponse)
def similar_fragment(
    request: Request,
    access: InProject,
    text: str = Query("", max_length=10_000),
    statement: str = Query("", max_length=10_000),
    title: str = Query("", max_length=300),
    hypothesis: str = Query("", max_length=20_000),
) -> HTMLResponse:
    """The items close to the text being written (any of the form's text fields), as a list."""
    written = " ".join(part for part in (text, statement, title, hypothesis) if part.strip())
    hits: list[SearchHit] = []
    if len(written.strip()) >= MIN_CHARACTERS:
        with database_of(request).session() as session:
            hits = close_items(session, access.project.id, written)
    return render(request, "_similar.html", {"hits": hits})


def close_items(
    session: Session, project_id: int, text: str, limit: int = LIMIT
) -> list[SearchHit]:
    """Items sharing words with ``text``, then items close in meaning; each item once."""
    hits = similar(session, project_id, text, limit=limit)
    seen = {(hit.kind, hit.id) for hit in hits}
    embedder = default_embedder()
    floor = CLOSE_IN_MEANING.get(embedder.name, 0.9)
    for hit in similar_by_meaning(session, project_id, text, embedder, limit=limit):
        if len(hits) >= limit:
            break
        if hit.score >= floor and (hit.kind, hit.id) not in seen:
            hits.append(hit)
            seen.add((hit.kind, hit.id))
    return hits
