"""Similar items by meaning: when a new insight or action is written, what the base already holds.

The caller passes the embedder (the offline model of ``launchloop.feedback.embeddings``, or any
object with ``name`` and ``embed``); this module only compares unit vectors. Each item's vector
is stored once in ``item_vectors``, keyed by the item and the embedder's name, beside a hash of
the text it embeds: a call embeds the text being written and only the items that are new or
were edited since, so it can answer while someone types (issue 5). Without an embedder,
:func:`launchloop.knowledge.search.similar` gives the lexical answer.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from launchloop.feedback.embeddings import from_blob, to_blob
from launchloop.knowledge.models import (
    Action,
    Evidence,
    Experiment,
    Insight,
    ItemVector,
    Learning,
)
from launchloop.knowledge.search import SearchHit

#: The newest items of each kind that a comparison looks at.
PER_KIND = 2_000
#: Rows written (or deleted) per statement: SQLite caps the bound parameters of one statement.
_CHUNK = 500

#: (item kind, item id): what a stored vector belongs to.
ItemKey = tuple[str, int]
_log = logging.getLogger("launchloop.knowledge.similarity")


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalized row per text."""
        ...


def similar_by_meaning(
    session: Session, project_id: int, text: str, embedder: Embedder, *, limit: int = 5
) -> list[SearchHit]:
    """The project's items closest in meaning to ``text`` (cosine similarity), best first.

    Vectors of new or edited items are stored in a transaction of its own (SQLite: call this
    before writing in ``session``, whose write lock that transaction would wait for).
    """
    items = _items(session, project_id)
    if not items or not text.strip():
        return []
    vectors = _vectors(session, project_id, text, items, embedder)
    scores = vectors[1:] @ vectors[0]
    best = np.argsort(-scores, kind="stable")[:limit]
    return [_with_score(items[i][0], float(scores[i])) for i in best]


def _vectors(
    session: Session,
    project_id: int,
    text: str,
    items: list[tuple[SearchHit, str]],
    embedder: Embedder,
) -> np.ndarray:
    """``text``'s vector, then each item's: stored ones reused, new or edited ones embedded.

    Stored vectors of items no longer compared (deleted, or past :data:`PER_KIND`) are dropped.
    """
    stored = _stored(session, project_id, embedder.name)
    keys = [(hit.kind, hit.id) for hit, _ in items]
    hashes = [_text_hash(body) for _, body in items]
    missing = [i for i, key in enumerate(keys) if key not in stored or stored[key][0] != hashes[i]]
    fresh = embedder.embed([text, *(items[i][1] for i in missing)])
    made = dict(zip(missing, fresh[1:], strict=True))
    new_rows = [(keys[i], hashes[i], made[i]) for i in missing]
    _keep(session, project_id, embedder.name, new_rows, stored.keys() - set(keys))
    rows = [made[i] if i in made else from_blob(stored[key][1]) for i, key in enumerate(keys)]
    # One array with the text's vector first, as when every item was embedded on each call: the
    # same product gives the same scores, to the last bit, and so the same ranking.
    return np.vstack([fresh[:1], *rows])


def _text_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def _stored(session: Session, project_id: int, embedder: str) -> dict[ItemKey, tuple[str, bytes]]:
    """The project's stored (text hash, vector) per item, in ``embedder``'s space."""
    rows = session.execute(
        select(
            ItemVector.item_kind, ItemVector.item_id, ItemVector.text_hash, ItemVector.vector
        ).where(ItemVector.project_id == project_id, ItemVector.embedder == embedder)
    )
    return {(kind, item_id): (text_hash, vector) for kind, item_id, text_hash, vector in rows}


def _keep(
    session: Session,
    project_id: int,
    embedder: str,
    new_rows: list[tuple[ItemKey, str, np.ndarray]],
    stale: set[ItemKey],
) -> None:
    """Store the new vectors and drop the stale ones, in a transaction of their own.

    Stored vectors are a cache: committed at once, so a caller that reads in a long session
    holds no write lock on SQLite; when storing fails (the project not yet committed, say),
    the answer is still right and the next call embeds those items again.
    """
    if not new_rows and not stale:
        return
    try:
        with Session(session.get_bind().engine) as own, own.begin():
            _store(own, project_id, embedder, new_rows)
            _forget(own, project_id, embedder, stale)
    except DBAPIError as error:
        _log.warning("item vectors not stored: %s", error.orig)


def _store(
    session: Session,
    project_id: int,
    embedder: str,
    vectors: list[tuple[ItemKey, str, np.ndarray]],
) -> None:
    """Insert or replace these items' vectors (a concurrent request may store them too)."""
    values = [
        {"item_kind": kind, "item_id": item_id, "embedder": embedder, "project_id": project_id,
         "text_hash": text_hash, "vector": to_blob(vector)}
        for (kind, item_id), text_hash, vector in vectors
    ]  # fmt: skip
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for start in range(0, len(values), _CHUNK):
        statement = dialect.insert(ItemVector).values(values[start : start + _CHUNK])
        replaced = {c: statement.excluded[c] for c in ("project_id", "text_hash", "vector")}
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["item_kind", "item_id", "embedder"], set_=replaced
            )
        )


def _forget(session: Session, project_id: int, embedder: str, keys: set[ItemKey]) -> None:
    """Delete the stored vectors of ``keys``."""
    for kind in {kind for kind, _ in keys}:
        ids = sorted(item_id for k, item_id in keys if k == kind)
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                delete(ItemVector).where(
                    ItemVector.project_id == project_id,
                    ItemVector.embedder == embedder,
                    ItemVector.item_kind == kind,
                    ItemVector.item_id.in_(ids[start : start + _CHUNK]),
                )
            )


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
    found.extend(_quotes(session, project_id))
    return found


def _quotes(session: Session, project_id: int) -> list[tuple[SearchHit, str]]:
    """The newest feedback quotes, with their insight's status read in the same query."""
    rows = session.execute(
        select(Evidence.id, Evidence.quote, Evidence.insight_id, Insight.status)
        .join(Insight, Insight.id == Evidence.insight_id)
        .where(Insight.project_id == project_id, Evidence.quote.is_not(None))
        .order_by(Evidence.id.desc())
        .limit(PER_KIND)
    )
    return [
        (SearchHit("quote", piece, (quote or "")[:300], status, 0.0, insight), quote or "")
        for piece, quote, insight, status in rows
    ]


def _newest(session: Session, model: type[Any], project_id: int) -> list[Any]:
    query = select(model).where(model.project_id == project_id)
    return list(session.scalars(query.order_by(model.id.desc()).limit(PER_KIND)))


def _with_score(hit: SearchHit, score: float) -> SearchHit:
    return SearchHit(hit.kind, hit.id, hit.title, hit.status, round(score, 6), hit.insight_id)
