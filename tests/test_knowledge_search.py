"""Search on a small corpus, on SQLite (FTS5) and PostgreSQL (tsvector): ranking and filters."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from launchloop.errors import InvalidInput
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, update_insight, validate_insight
from launchloop.knowledge.search import SearchFilters, search, similar
from launchloop.knowledge.teams import ensure_default_teams
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]


@dataclass
class Corpus:
    """Ids of the corpus items."""

    project: int
    form: int
    checkout: int
    action: int
    quote: int
    support: int


@pytest.fixture
def corpus(kdb: Database) -> Corpus:
    """Two insights (one validated), an action and a feedback quote."""
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        support = next(t.id for t in ensure_default_teams(session, project) if t.name == "support")
        form = create_insight(
            session,
            admin,
            statement="Users abandon the signup form before validation",
            context="Session data points at missing visual feedback on the submit button",
            tags=["form"],
            team_ids=[support],
        ).id
        quote = add_evidence(
            session, admin, form, kind="feedback", quote="I clicked submit and nothing happened"
        ).id
        validate_insight(session, admin, form)
        checkout = create_insight(session, admin, statement="Checkout is slow on mobile").id
        action = create_action(
            session,
            admin,
            kind="experiment",
            title="Spinner on the submit button",
            hypothesis="if the submit button shows progress then completion rises",
            insight_ids=[form],
        ).id
    return Corpus(project, form, checkout, action, quote, support)


def _found(kdb: Database, corpus: Corpus, query: str, **options: object) -> list[tuple[str, int]]:
    with kdb.session() as session:
        hits = search(session, corpus.project, query, **options)  # type: ignore[arg-type]
        return [(hit.kind, hit.id) for hit in hits]


def test_all_words_ranked_most_relevant_first(kdb: Database, corpus: Corpus) -> None:
    # The action says "submit button" twice in few words; the insight once in many.
    assert _found(kdb, corpus, "submit button") == [
        ("action", corpus.action),
        ("insight", corpus.form),
    ]
    assert _found(kdb, corpus, "abandoning") == [("insight", corpus.form)]  # stemmed
    assert _found(kdb, corpus, "nothing happened") == [("quote", corpus.quote)]
    assert _found(kdb, corpus, "payment") == []


def test_filters(kdb: Database, corpus: Corpus) -> None:
    def only(**fields: object) -> list[tuple[str, int]]:
        return _found(kdb, corpus, "submit", filters=SearchFilters(**fields))  # type: ignore[arg-type]

    everything = {("action", corpus.action), ("insight", corpus.form), ("quote", corpus.quote)}
    assert set(only()) == everything
    assert only(kinds=("quote",)) == [("quote", corpus.quote)]
    assert set(only(tag="form")) == {("insight", corpus.form), ("quote", corpus.quote)}
    assert set(only(team_id=corpus.support)) == {("insight", corpus.form), ("quote", corpus.quote)}
    assert only(status="proposed") == [("action", corpus.action)]
    assert only(status="draft") == []
    with pytest.raises(InvalidInput, match="kind"):
        only(kinds=("rumour",))


def test_edits_are_searchable_and_projects_are_apart(kdb: Database, corpus: Corpus) -> None:
    admin = as_role(corpus.project, "admin")
    with kdb.session() as session:
        update_insight(session, admin, corpus.checkout, statement="Checkout payment is slow")
    assert _found(kdb, corpus, "payment") == [("insight", corpus.checkout)]
    assert _found(kdb, corpus, "mobile") == []
    other = new_project(kdb, "Other")
    with kdb.session() as session:
        assert search(session, other, "submit") == []
        with pytest.raises(InvalidInput, match="at least one word"):
            search(session, other, "  ?! ")


def test_similar_items_share_words(kdb: Database, corpus: Corpus) -> None:
    with kdb.session() as session:
        hits = similar(session, corpus.project, "Add progress feedback to the submit button")
    kinds = [(hit.kind, hit.id) for hit in hits]
    assert kinds[0] == ("action", corpus.action)
    assert ("insight", corpus.form) in kinds
    assert ("insight", corpus.checkout) not in kinds
