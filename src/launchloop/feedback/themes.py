"""Themes of a project's feedback: refresh (embed, cluster or assign), rename, merge, split.

A refresh embeds the items that have no vector yet. The first refresh (or one asked to
recluster) groups every item; the others assign new items to the existing theme they are close
enough to, so theme ids and the names people gave stay put and trends can be followed. A
recluster keeps the id of each old theme that shares most items with a new group (Hungarian
matching on overlap), so ids survive it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.feedback.clustering import (
    admission_threshold,
    borrowed_english,
    centroid,
    cluster,
    match_clusters,
    nearest_theme,
    representatives,
)
from launchloop.feedback.embeddings import (
    Embedder,
    english_only_dims,
    from_blob,
    theme_embedder,
    to_blob,
)
from launchloop.feedback.naming import theme_name, theme_words
from launchloop.knowledge.models import FeedbackItem, Theme

#: A group needs this many items to become a theme; the rest wait, unthemed.
MIN_THEME_ITEMS = 2
QUOTES = 3


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did."""

    embedded: int
    assigned: int
    reclustered: bool
    themes: int


def list_themes(session: Session, project_id: int) -> list[Theme]:
    """The project's themes, largest first."""
    query = select(Theme).where(Theme.project_id == project_id)
    return list(session.scalars(query.order_by(Theme.size.desc(), Theme.id)))


def theme_of(session: Session, project_id: int, theme_id: int) -> Theme:
    """One theme of the project, or :class:`NotFound`."""
    theme = session.get(Theme, theme_id)
    if theme is None or theme.project_id != project_id:
        raise NotFound(f"no theme {theme_id} in this project")
    return theme


def refresh_themes(
    session: Session,
    *,
    project_id: int,
    embedder: Embedder | None = None,
    recluster: bool = False,
    count: int | None = None,
) -> RefreshReport:
    """Embed new items, then recluster (first time, or asked) or assign them to themes."""
    model = embedder or theme_embedder()
    query = select(FeedbackItem).where(FeedbackItem.project_id == project_id)
    # An NPS or CSAT answer without a comment has a score but nothing to group by meaning.
    items = [item for item in session.scalars(query.order_by(FeedbackItem.id)) if item.text]
    if not items:
        return RefreshReport(0, 0, False, len(list_themes(session, project_id)))
    embedded = _embed_missing(items, model)
    themes = list_themes(session, project_id)
    stale = any(theme.embedder != model.name for theme in themes)
    if recluster or not themes or stale or count is not None:
        _recluster(session, project_id, items, themes, count)
        assigned, reclustered = sum(item.theme_id is not None for item in items), True
    else:
        assigned, reclustered = _assign(items, themes), False
    describe(session, project_id, model.name)
    return RefreshReport(embedded, assigned, reclustered, len(list_themes(session, project_id)))


def _embed_missing(items: Sequence[FeedbackItem], model: Embedder) -> int:
    missing = [item for item in items if item.embedding is None or item.embedder != model.name]
    if missing:
        vectors = model.embed([item.text for item in missing])
        for item, vector in zip(missing, vectors, strict=True):
            item.embedding, item.embedder = to_blob(vector), model.name
    return len(missing)


def _vectors(items: Sequence[FeedbackItem]) -> np.ndarray:
    return np.vstack([from_blob(item.embedding) for item in items if item.embedding is not None])


def _recluster(
    session: Session,
    project_id: int,
    items: list[FeedbackItem],
    themes: list[Theme],
    count: int | None,
) -> None:
    labels = _labels(items, count)
    groups = [
        [item for item, label in zip(items, labels, strict=True) if label == k]
        for k in range(int(labels.max()) + 1 if len(labels) else 0)
    ]
    groups = [group for group in groups if len(group) >= MIN_THEME_ITEMS]
    old = [frozenset(i.id for i in items if i.theme_id == theme.id) for theme in themes]
    pairs = match_clusters(old, [frozenset(i.id for i in group) for group in groups])
    for item in items:
        item.theme_id = None
    for index, group in enumerate(groups):
        theme = themes[pairs[index]] if index in pairs else _new_theme(session, project_id)
        for item in group:
            item.theme_id = theme.id
    for position, theme in enumerate(themes):
        if position not in pairs.values():
            session.delete(theme)
    session.flush()


def _labels(items: Sequence[FeedbackItem], count: int | None) -> np.ndarray:
    """Cluster the items' vectors (all from one embedder) with their languages."""
    return cluster(
        _vectors(items),
        count=count,
        languages=[item.language for item in items],
        english_dims=english_only_dims(items[0].embedder or ""),
    )


def _new_theme(session: Session, project_id: int) -> Theme:
    theme = Theme(project_id=project_id, name="", words=[], quotes=[])
    session.add(theme)
    session.flush()
    return theme


def _assign(items: Sequence[FeedbackItem], themes: Sequence[Theme]) -> int:
    """Put each unthemed item in the closest theme that admits it; how many joined."""
    usable = [theme for theme in themes if theme.centroid is not None]
    if not usable:
        return 0
    centroids = np.vstack([from_blob(t.centroid) for t in usable if t.centroid is not None])
    thresholds = np.array([theme.min_similarity for theme in usable])
    waiting = [item for item in items if item.theme_id is None and item.embedding is not None]
    joined = 0
    for item, vector in zip(waiting, _waiting_vectors(items, waiting), strict=True):
        best = nearest_theme(vector, centroids, thresholds)
        if best is not None:
            item.theme_id = usable[best].id
            joined += 1
    return joined


def _waiting_vectors(items: Sequence[FeedbackItem], waiting: list[FeedbackItem]) -> np.ndarray:
    """The waiting items' vectors, a non-English one with the English-only part borrowed from
    the closest English items (as when clustering)."""
    if not waiting:
        return np.zeros((0, 0), dtype=np.float32)
    dims = english_only_dims(waiting[0].embedder or "")
    english = [i for i in items if i.theme_id is not None and i.language == "en" and i.embedding]
    if not dims or not english:
        return _vectors(waiting)
    group = [*waiting, *english]
    borrowed = borrowed_english(_vectors(group), [item.language for item in group], dims)
    return borrowed[: len(waiting)]


def describe(session: Session, project_id: int, embedder_name: str) -> None:
    """Recompute each theme's centroid, threshold, size, words, quotes and (unless renamed) name."""
    session.flush()
    themes = list_themes(session, project_id)
    members = {theme.id: _members(session, theme.id) for theme in themes}
    words = theme_words([[item.text for item in members[theme.id]] for theme in themes])
    for theme, top in zip(themes, words, strict=True):
        group = members[theme.id]
        theme.size, theme.words, theme.embedder = len(group), top, embedder_name
        if not theme.named_by_person:
            theme.name = theme_name(top)
        if not group or any(item.embedding is None for item in group):
            continue
        vectors = _vectors(group)
        theme.centroid = to_blob(centroid(vectors))
        theme.min_similarity = admission_threshold(vectors)
        theme.quotes = [
            {"id": group[i].id, "text": group[i].text} for i in representatives(vectors, QUOTES)
        ]
    session.flush()


def _members(session: Session, theme_id: int) -> list[FeedbackItem]:
    query = select(FeedbackItem).where(FeedbackItem.theme_id == theme_id)
    return list(session.scalars(query.order_by(FeedbackItem.id)))


def rename_theme(session: Session, *, project_id: int, theme_id: int, name: str) -> Theme:
    """Give a theme a person's name; later refreshes keep it."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 200:
        raise InvalidInput("name", "must be 1 to 200 characters")
    theme = theme_of(session, project_id, theme_id)
    theme.name, theme.named_by_person = cleaned, True
    session.flush()
    return theme


def merge_themes(session: Session, *, project_id: int, into: int, others: Sequence[int]) -> Theme:
    """Move the items of ``others`` into theme ``into`` and delete ``others``."""
    target = theme_of(session, project_id, into)
    sources = [theme_of(session, project_id, other) for other in others if other != into]
    if not sources:
        raise InvalidInput("others", "name at least one other theme to merge")
    for source in sources:
        for item in _members(session, source.id):
            item.theme_id = target.id
        session.flush()
        session.delete(source)
    describe(session, project_id, target.embedder)
    return target


def split_theme(session: Session, *, project_id: int, theme_id: int, parts: int = 2) -> list[Theme]:
    """Cut a theme in ``parts`` by meaning; the largest part keeps the id (and its name)."""
    theme = theme_of(session, project_id, theme_id)
    group = _members(session, theme.id)
    if parts < 2 or len(group) < parts * MIN_THEME_ITEMS:
        raise InvalidInput("parts", f"cannot split {len(group)} items in {parts} themes")
    if any(item.embedding is None for item in group):
        raise InvalidInput("theme", "refresh the themes first: some items have no vector yet")
    labels = _labels(group, parts)
    by_size = sorted(range(int(labels.max()) + 1), key=lambda k: -int((labels == k).sum()))
    result = [theme]
    for k in by_size[1:]:
        part = _new_theme(session, project_id)
        for item, label in zip(group, labels, strict=True):
            if label == k:
                item.theme_id = part.id
        result.append(part)
    describe(session, project_id, theme.embedder)
    return result
