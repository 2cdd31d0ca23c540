"""Erasure leaves no copy of the person (issue 12): closing tables, theme quotes, evidence,
signals. Checked by scanning every text value of every table of the knowledge database."""

from __future__ import annotations

import base64
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from launchloop.closing.unsubscribe import opt_out, opted_out
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from tests.closing_seed import backed_insight, ship_action
from tests.conftest import Server
from tests.knowledge_fixtures import as_role

EMAIL = "alice.liddell@example.com"
MARK = "Zebracorn: the PDF export of invoices breaks every single time"
OTHERS = "PDF export of invoices fails for me as well, says bob"


def _event(name: str, user: str, **props: Any) -> dict[str, Any]:
    return {"event": name, "distinct_id": user, "uuid": str(uuid.uuid4()), "properties": props}


def _texts(database_file: Path) -> list[tuple[str, str]]:
    """(table, value) for every text value of every table (JSON included, as stored)."""
    found = []
    with sqlite3.connect(database_file) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                found.extend((table, v) for v in row if isinstance(v, str))
    con.close()
    return found


def _where(needle: str, database_file: Path) -> set[str]:
    return {t for t, v in _texts(database_file) if needle.lower() in v.lower()}


def _vectors(database_file: Path, project_id: int) -> int:
    """How many stored embeddings the project has (they are derived from its texts)."""
    with sqlite3.connect(database_file) as con:
        query = "SELECT count(*) FROM item_vectors WHERE project_id = ?"
        return int(con.execute(query, (project_id,)).fetchone()[0])


def _seed(server: Server) -> None:
    """Alice (anon-1, then alice, email property) writes feedback that reaches every table."""
    events = [_event("$pageview", "anon-1"),
              _event("$identify", "alice", **{"$anon_distinct_id": "anon-1",
                                              "$set": {"email": EMAIL}})]  # fmt: skip
    body = {"api_key": server.project.public_key, "events": events}
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    items = [
        {"kind": "support_ticket", "text": MARK, "author": "alice"},
        {"kind": "support_ticket", "text": f"PDF export of invoices broken, mail {EMAIL}",
         "author": "anon-1"},
        {"kind": "support_ticket", "text": OTHERS, "author": "bob"},
        {"kind": "support_ticket", "text": f"my colleague {EMAIL.upper()} has the PDF export bug",
         "author": "carol"},
    ]  # fmt: skip
    with server.api() as api:
        made = api.post("/api/v1/feedback", json=items)
        assert made.status_code == 200, made.text
        ids = made.json()["ids"]
        refreshed = api.post("/api/v1/feedback/themes/refresh", params={"recluster": True})
        assert refreshed.status_code == 200, refreshed.text
        signal = {"kind": "observation", "text": f"{EMAIL} wrote: {MARK}"}
        assert api.post("/api/v1/signals", json=signal).status_code == 201
    database = Database(server.settings.resolved_database_url)
    insight_id = backed_insight(database, server.project.id, ids)
    with database.session() as session:
        add_evidence(session, as_role(server.project.id, "admin", "ada"), insight_id,
                     kind="feedback", feedback_id=str(ids[0]), quote=MARK)  # fmt: skip
    ship_action(database, server.project.id, insight_id, "PDF export of invoices")
    with server.api() as api:
        prepared = api.post("/api/v1/closing/prepare")
        assert prepared.status_code == 200, prepared.text
        assert [m["address"] for m in prepared.json()] == [EMAIL]
    with database.session() as session:  # then she followed the unsubscribe link
        opt_out(session, server.project.id, EMAIL)
    database.dispose()


@pytest.mark.parametrize("delete_text", [True, False])
def test_erasure_leaves_her_address_and_words_nowhere(server: Server, delete_text: bool) -> None:
    _seed(server)
    knowledge = Path(server.settings.resolved_database_url.removeprefix("sqlite:///"))
    encoded = base64.urlsafe_b64encode(EMAIL.encode()).decode().rstrip("=")
    assert {"author_messages", "author_opt_outs", "feedback_themes", "feedback_items",
            "signals", "change_notices"} <= _where(EMAIL, knowledge)  # fmt: skip
    assert "author_messages" in _where(encoded, knowledge)  # her unsubscribe link
    assert {"evidence", "feedback_items", "signals"} <= _where(MARK, knowledge)

    with server.api() as api:  # "similar items" stores vectors of the texts that quote her
        similar = api.post("/api/v1/similar", json={"text": "PDF export", "by": "meaning"})
        assert similar.status_code == 200, similar.text
    assert _vectors(knowledge, server.project.id) > 0

    with server.api() as api:
        answer = api.delete("/api/v1/persons/alice", params={"delete_feedback_text": delete_text})
        assert answer.status_code == 200, answer.text
        counts = answer.json()["counts"]
        themes = api.get("/api/v1/feedback/themes").json()

    assert counts["author_messages"] == 1 and counts["author_opt_outs"] == 1
    assert _where(EMAIL, knowledge) == set()
    assert _where(encoded, knowledge) == set()
    assert _vectors(knowledge, server.project.id) == 0  # derived from her words: rebuilt later
    if delete_text:
        assert _where(MARK, knowledge) == set()
    else:  # kept on purpose, without its author: copies of it may stay too
        assert "feedback_items" in _where(MARK, knowledge)
    assert OTHERS in {q["text"] for t in themes for q in t["quotes"]}  # others' words stay
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:  # she asked for silence: she still gets it
        assert opted_out(session, server.project.id, EMAIL)
        assert not opted_out(session, server.project.id, "someone@example.com")
    database.dispose()
