"""Similar items by meaning: when a new insight or action is written, what the base already holds.

The caller passes the embedder (the offline model of ``launchloop.feedback.embeddings``, or any
object with ``name`` and ``embed``); this module only compares unit vectors. Items are embedded
on the fly (a knowledge base holds hundreds to a few thousand items); without an embedder,
:func:`launchloop.knowledge.search.similar` gives the lexical answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import Action, Evidence, Experiment, Insight, Learning
from launchloop.knowledge.search import SearchHit

#: The newest items of each kind that a comparison looks at.
PER_KIND = 2_000


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalized row per text."""
        ...


def similar_by_meaning(
    session: Session, project_id: int, text: str, embedder: Embedder, *, limit: int = 5
) -> list[SearchHit]:
    """The project's items closest in meaning to ``text`` (cosine similarity), best first."""
    items = _items(session, project_id)
    if not items or not text.strip():
        return []
    vectors = embedder.embed([text, *(body for _, body in items)])
    scores = vectors[1:] @ vectors[0]
    best = np.argsort(-scores, kind="stable")[:limit]
    return [_with_score(items[i][0], float(scores[i])) for i in best]


def _items(session: Session, project_id: int) -> list[tuple[SearchHit, str]]:
    found: list[tuple[SearchHit, str]] = []
    for insight in _newest(session, Insight, project_id):
        hit = SearchHit("insight", insight.id, insight.statement[:300], insight.status, 0.0)
        found.append((hit, f"{insight.statement}\n{insight.context}"))
    for action in _newest(session, Action, project_id):
        hit = SearchHit("action", action.id, action.title, action.status, 0.0)
        found.append((hit, f"{action.title}\n{action.hypothesis}\n{action.observation}"))
    for experiment in _newest(session, Experiment, project_id):
        hit = SearchHit("experiment", experiment.id, experiment.name, experiment.status, 0.0)
        found.append((hit, f"{experiment.name}\n{experiment.decision_reason}"))
    for learning in _newest(session, Learning, project_id):
        hit = SearchHit("learning", learning.id, learning.title, None, 0.0)
        found.append((hit, f"{learning.title}\n{learning.tried}\n{learning.context}"))
    quotes = session.scalars(
        select(Evidence)
        .join(Insight, Insight.id == Evidence.insight_id)
        .where(Insight.project_id == project_id, Evidence.quote.is_not(None))
        .order_by(Evidence.id.desc())
        .limit(PER_KIND)
    )
    for piece in quotes:
        quote = piece.quote or ""
        hit = SearchHit("quote", piece.id, quote[:300], piece.insight.status, 0.0, piece.insight_id)
        found.append((hit, quote))
    return found


def _newest(session: Session, model: type[Any], project_id: int) -> list[Any]:
    query = select(model).where(model.project_id == project_id)
    return list(session.scalars(query.order_by(model.id.desc()).limit(PER_KIND)))


def _with_score(hit: SearchHit, score: float) -> SearchHit:
    return SearchHit(hit.kind, hit.id, hit.title, hit.status, round(score, 6), hit.insight_id)
