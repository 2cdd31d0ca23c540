"""The closing-the-loop library on SQLite and PostgreSQL (issue 11): links, a change shipped by
an experiment told once, opt-outs through signed tokens, merged duplicates, the changelog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launchloop.closing.changelog import public_changelog
from launchloop.closing.links import feedback_links
from launchloop.closing.outbox import SmtpServer, prepare_messages
from launchloop.closing.preferences import set_closing_settings
from launchloop.closing.reach import address_book
from launchloop.closing.triage import merge_duplicate, read_triage, set_state
from launchloop.closing.unsubscribe import opt_out_by_token, unsubscribe_token
from launchloop.errors import InvalidInput, NotFound
from launchloop.feedback.items import add_items
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.experiments import create_experiment, decide_experiment, move_experiment
from launchloop.knowledge.projects import create_project
from tests.closing_seed import backed_insight, ship_action
from tests.knowledge_fixtures import as_role

#: No SMTP server here: nothing is sent (automatic sending stays off).
SMTP = SmtpServer("127.0.0.1", 9, "team@example.test", "https://loop.example.test")
VARIANTS = [{"name": "control", "weight": 0.5}, {"name": "treatment", "weight": 0.5}]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated knowledge database, SQLite then PostgreSQL."""
    url = f"sqlite:///{tmp_path}/k.db" if request.param == "sqlite" else None
    made = Database(url or request.getfixturevalue("postgres_url"))
    made.migrate()
    yield made
    made.dispose()


def _project(database: Database) -> tuple[int, list[int]]:
    rows = [
        {"kind": "nps", "author": "Paul@Example.test", "language": "fr", "text": "Trop lent."},
        {"kind": "nps", "author": "sam@example.test", "language": "en", "text": "Too slow."},
        {"kind": "nps", "author": "dup@example.test", "language": "en", "text": "Slow!"},
    ]
    with database.session() as session:
        project = create_project(session, name="Atelier")
        session.flush()
        return project.id, add_items(session, project_id=project.id, rows=rows).stored


def _action_with_shipped_experiment(database: Database, project_id: int, insight: int) -> int:
    admin = as_role(project_id, "admin", "ada")
    with database.session() as session:
        action = create_action(session, admin, kind="experiment", title="Faster search",
                               insight_ids=[insight])  # fmt: skip
        session.flush()
        experiment = create_experiment(session, admin, action_id=action.id, name="search-v2",
                                       variants=VARIANTS, exposure_event="searched")  # fmt: skip
        session.flush()
        move_experiment(session, admin, experiment.id, "start")
        decide_experiment(session, admin, experiment.id, decision="ship", reason="faster")
        return action.id


def test_an_experiment_shipped_then_its_action_done_is_told_once(database: Database) -> None:
    project_id, ids = _project(database)
    insight = backed_insight(database, project_id, ids[:2])
    action_id = _action_with_shipped_experiment(database, project_id, insight)
    admin = as_role(project_id, "admin", "ada")
    with database.session() as session:
        links = feedback_links(session, project_id, ids[0])
        assert [i.id for i in links.insights] == [insight]
        assert [a.id for a in links.actions] == [action_id]
        assert [e.status for e in links.experiments] == ["ship"]
        assert feedback_links(session, project_id, ids[2]).insights == ()
        made = prepare_messages(session, admin, address_book(None, project_id), SMTP)
        # The address is matched case-insensitively; French feedback gets the French letter.
        assert sorted((m.address, m.language) for m in made) == [
            ("paul@example.test", "fr"), ("sam@example.test", "en")]  # fmt: skip
        assert all(m.changes == [f"action:{action_id}"] for m in made)
        assert "https://loop.example.test/u/" in made[0].body
    ship_action(database, project_id, insight, "Faster filters")  # another action, done
    with database.session() as session:
        again = prepare_messages(session, admin, address_book(None, project_id), SMTP)
        assert [m.body.count("Faster search") for m in again] == [0, 0]
        assert [m.body.count("Faster filters") for m in again] == [1, 1]


def test_unsubscribe_tokens_merged_duplicates_and_triage(database: Database) -> None:
    project_id, ids = _project(database)
    admin = as_role(project_id, "admin", "ada")
    insight = backed_insight(database, project_id, ids[:2])
    with database.session() as session:
        token = unsubscribe_token(session, project_id, "sam@example.test")
        assert opt_out_by_token(session, token) == (project_id, "sam@example.test")
        with pytest.raises(NotFound):
            opt_out_by_token(session, token.replace(f"{project_id}.", f"{project_id + 1}.", 1))
        merge_duplicate(session, admin, ids[2], ids[0])
        with pytest.raises(InvalidInput):
            merge_duplicate(session, admin, ids[0], ids[2])  # already one group
        assert read_triage(session, project_id, ids[1]).state == "new"
        set_state(session, admin, ids[1], "done")
        with pytest.raises(InvalidInput):
            set_state(session, as_role(project_id, "admin"), ids[1], "archived")
    ship_action(database, project_id, insight, "Faster pages")
    with database.session() as session:
        made = prepare_messages(session, admin, address_book(None, project_id), SMTP)
        # sam opted out; dup's item is merged into paul's, so dup hears too.
        assert sorted(m.address for m in made) == ["dup@example.test", "paul@example.test"]
        with pytest.raises(NotFound):
            public_changelog(session, project_id)
        set_closing_settings(session, admin, changelog_public=True)
        [entry] = public_changelog(session, project_id).entries
        assert (entry.summary, entry.asked_by) == ("Faster pages", 3)
