"""Feedback items: validation, bad rows, import presets and idempotency; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from launchloop.feedback.importers import import_feedback
from launchloop.feedback.items import MAX_TEXT_BYTES, add_items
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import FeedbackItem
from launchloop.knowledge.projects import create_project


def _database(url: str) -> Iterator[tuple[Database, int]]:
    database = Database(url)
    database.migrate()
    with database.session() as session:
        project_id = create_project(session, name="Feedback").id
    yield database, project_id
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    yield from _database(f"sqlite:///{tmp_path / 'k.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, int]]:
    if request.param == "sqlite":
        yield from _database(f"sqlite:///{tmp_path / 'k.db'}")
    else:
        yield from _database(request.getfixturevalue("postgres_url"))


def _items(database: Database, project_id: int) -> list[FeedbackItem]:
    with database.session() as session:
        query = select(FeedbackItem).where(FeedbackItem.project_id == project_id)
        return list(session.scalars(query.order_by(FeedbackItem.id)))


BAD_ROWS = [
    ({"kind": "support_ticket", "text": "   "}, "text", "is empty"),
    ({"kind": "tweet", "text": "hello"}, "kind", "is not one of"),
    ({"kind": "nps", "text": "meh", "score": 11}, "score", "out of range 0-10"),
    ({"kind": "csat", "text": "meh", "score": 0}, "score", "out of range 1-5"),
    ({"kind": "review", "text": "x" * 100_000}, "text", f"the limit is {MAX_TEXT_BYTES}"),
    ({"kind": "in_app", "text": "caf\udce9 broken"}, "text", "not valid UTF-8"),
    ({"kind": "nps", "text": "", "score": "ten"}, "score", "not a number"),
    ({"kind": "in_app", "text": "ok", "time": "yesterday"}, "time", "not an ISO 8601"),
]


def test_bad_rows_get_a_reason_and_the_good_rows_are_kept(any_db: tuple[Database, int]) -> None:
    database, project_id = any_db
    good = [
        {"kind": "support_ticket", "text": "Le bouton valider ne marche pas", "author": "u1"},
        {"kind": "nps", "text": "", "score": 9, "time": "2026-11-20T10:00:00Z"},
    ]
    rows = [good[0], *(row for row, _, _ in BAD_ROWS), good[1]]
    with database.session() as session:
        report = add_items(session, project_id=project_id, rows=rows)
    assert len(report.stored) == 2
    assert [bad.index for bad in report.bad_rows] == list(range(1, len(BAD_ROWS) + 1))
    for bad, (_, field, reason) in zip(report.bad_rows, BAD_ROWS, strict=True):
        assert bad.field == field and reason in bad.reason, bad
    stored = _items(database, project_id)
    assert [(i.kind, i.language, i.sentiment) for i in stored] == [
        ("support_ticket", "fr", "negative"),
        ("nps", None, "positive"),
    ]
    assert stored[1].observed_at.isoformat().startswith("2026-11-20T10:00:00")


def test_external_ids_make_a_batch_idempotent(any_db: tuple[Database, int]) -> None:
    database, project_id = any_db
    rows = [
        {"kind": "support_ticket", "text": "one", "external_id": "t-1"},
        {"kind": "support_ticket", "text": "one again", "external_id": "t-1"},
        {"kind": "support_ticket", "text": "two", "external_id": 2},
        {"kind": "observation", "text": "no id"},
    ]
    with database.session() as session:
        first = add_items(session, project_id=project_id, rows=rows)
    with database.session() as session:
        second = add_items(session, project_id=project_id, rows=rows)
        other_source = add_items(session, project_id=project_id, rows=rows[:1], source="zendesk")
    assert (len(first.stored), first.duplicates) == (3, 1)
    assert (len(second.stored), second.duplicates) == (1, 3)  # only the row without an id
    assert len(other_source.stored) == 1
    assert [i.text for i in _items(database, project_id)] == [
        "one",
        "two",
        "no id",
        "no id",
        "one",
    ]


def test_the_public_kinds_only(sqlite_db: tuple[Database, int]) -> None:
    database, project_id = sqlite_db
    rows = [{"kind": "in_app", "text": "nice"}, {"kind": "support_ticket", "text": "help"}]
    with database.session() as session:
        report = add_items(
            session, project_id=project_id, rows=rows, allowed_kinds={"in_app", "nps", "csat"}
        )
    assert len(report.stored) == 1
    assert report.bad_rows[0].index == 1 and "secret API token" in report.bad_rows[0].reason


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


ZENDESK_HEADER = ["Id", "Subject", "Description", "Requester email", "Created at", "Tags", "Via"]


def test_zendesk_csv_import_is_idempotent(sqlite_db: tuple[Database, int], tmp_path: Path) -> None:
    database, project_id = sqlite_db
    path = _write_csv(
        tmp_path / "zendesk.csv",
        ZENDESK_HEADER,
        [
            [
                "101",
                "Submit button",
                "Nothing happens\non click",
                "a@x.io",
                "2026-11-20 09:00:00",
                "ui button",
                "web",
            ],
            ["102", "", "", "b@x.io", "2026-11-20 10:00:00", "", "email"],
            [
                "103",
                "Connexion",
                "Impossible de me connecter",
                "c@x.io",
                "2026-11-21T08:00:00Z",
                "",
                "email",
            ],
        ],
    )
    seen: list[tuple[int, int]] = []
    first = import_feedback(
        database,
        path,
        project_id=project_id,
        preset="zendesk",
        on_progress=lambda done, total: seen.append((done, total)),
    )
    again = import_feedback(database, path, project_id=project_id, preset="zendesk")
    assert (first.rows_read, first.stored, first.duplicates) == (3, 2, 0)
    assert first.bad_rows[0].line == 4 and first.bad_rows[0].field == "text"  # multi-line row 2
    assert (again.stored, again.duplicates) == (0, 2)
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    items = _items(database, project_id)
    assert [(i.external_id, i.source, i.author, i.channel) for i in items] == [
        ("101", "zendesk", "a@x.io", "web"),
        ("103", "zendesk", "c@x.io", "email"),
    ]
    assert items[0].text == "Submit button\n\nNothing happens\non click"
    assert items[0].tags == ["ui", "button"]
    assert items[1].language == "fr"


def test_intercom_and_freshdesk_presets(sqlite_db: tuple[Database, int], tmp_path: Path) -> None:
    database, project_id = sqlite_db
    intercom = _write_csv(
        tmp_path / "intercom.csv",
        ["Conversation ID", "First message", "User email", "Created at", "Conversation rating"],
        [["c-1", "Where do I export my data?", "u@x.io", "2026-11-20T10:00:00Z", "4"]],
    )
    freshdesk = _write_csv(
        tmp_path / "freshdesk.csv",
        ["Ticket ID", "Subject", "Description", "Requester Email", "Created time", "Source"],
        [["77", "Crash", "The app crashes at login", "f@x.io", "2026-11-20 11:00:00", "Portal"]],
    )
    import_feedback(database, intercom, project_id=project_id, preset="intercom")
    import_feedback(database, freshdesk, project_id=project_id, preset="freshdesk")
    items = _items(database, project_id)
    assert [(i.source, i.external_id, i.author, i.score) for i in items] == [
        ("intercom", "c-1", "u@x.io", 4.0),
        ("freshdesk", "77", "f@x.io", None),
    ]
    assert items[1].text == "Crash\n\nThe app crashes at login"
    assert items[1].channel == "Portal" and items[1].sentiment == "negative"


def test_generic_jsonl_with_bad_lines_and_bad_bytes(
    sqlite_db: tuple[Database, int], tmp_path: Path
) -> None:
    database, project_id = sqlite_db
    lines = [
        json.dumps({"id": "g1", "kind": "nps", "score": 3, "comment": "Trop lent"}).encode(),
        b"{not json",
        json.dumps({"id": "g2", "kind": "review", "text": "ok", "rating": 9}).encode(),
        b'{"id": "g3", "kind": "in_app", "text": "caf\xe9 froid"}',
        b'["a list"]',
        json.dumps({"id": "g4", "kind": "in_app", "text": "Great app", "page": "/home"}).encode(),
    ]
    path = tmp_path / "feedback.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = import_feedback(database, path, project_id=project_id, preset="generic")
    assert report.rows_read == 6 and report.stored == 2
    assert [(b.line, b.field) for b in report.bad_rows] == [
        (2, "line"),
        (3, "score"),
        (4, "text"),
        (5, "line"),
    ]
    assert "UTF-8" in report.bad_rows[2].reason
    items = _items(database, project_id)
    assert [(i.external_id, i.kind, i.sentiment, i.page) for i in items] == [
        ("g1", "nps", "negative", None),
        ("g4", "in_app", "positive", "/home"),
    ]


def test_a_count_over_the_chunk_size(sqlite_db: tuple[Database, int], tmp_path: Path) -> None:
    database, project_id = sqlite_db
    rows = [[str(n), f"ticket number {n}"] for n in range(1, 1_206)]
    path = _write_csv(tmp_path / "many.csv", ["external_id", "text"], rows)
    report = import_feedback(database, path, project_id=project_id)
    with database.session() as session:
        stored = session.scalar(select(func.count()).select_from(FeedbackItem))
    assert report.stored == stored == 1_205


def test_times_with_an_offset_are_stored_in_utc(any_db: tuple[Database, int]) -> None:
    database, project_id = any_db
    rows = [
        {"kind": "review", "text": "good", "score": 5, "time": "2026-11-20T12:00:00+02:00"},
        {"kind": "review", "text": "bad", "score": 1, "time": 1_795_000_000},
    ]
    with database.session() as session:
        add_items(session, project_id=project_id, rows=rows)
    stored = [i.observed_at.replace(tzinfo=None) for i in _items(database, project_id)]
    assert stored == [datetime(2026, 11, 20, 10, 0), datetime(2026, 11, 18, 11, 6, 40)]
