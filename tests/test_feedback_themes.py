"""Themes in the knowledge DB: refresh, stable ids, incremental assignment, edits, irritants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from launchloop.errors import InvalidInput, NotFound
from launchloop.feedback.irritants import parse_period, rank_irritants
from launchloop.feedback.items import add_items
from launchloop.feedback.themes import (
    list_themes,
    merge_themes,
    refresh_themes,
    rename_theme,
    split_theme,
)
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import FeedbackItem
from launchloop.knowledge.projects import create_project
from launchloop.store.base import open_store
from tests.test_feedback_understanding import PROBLEMS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    with database.session() as session:
        project_id = create_project(session, name="Feedback").id
    yield database, project_id
    database.dispose()


def _add(database: Database, project_id: int, rows: list[dict[str, Any]]) -> list[int]:
    with database.session() as session:
        report = add_items(session, project_id=project_id, rows=rows)
    assert not report.bad_rows
    return report.stored


def _seed(database: Database, project_id: int) -> dict[str, list[int]]:
    return {
        problem: _add(database, project_id, [{"kind": "support_ticket", "text": t} for t in texts])
        for problem, texts in PROBLEMS.items()
    }


def _theme_of(database: Database, ids: list[int]) -> set[int | None]:
    with database.session() as session:
        query = select(FeedbackItem.theme_id).where(FeedbackItem.id.in_(ids))
        return set(session.scalars(query))


def test_refresh_groups_by_problem_across_languages_and_names_themes(
    db: tuple[Database, int],
) -> None:
    database, project_id = db
    seeded = _seed(database, project_id)
    with database.session() as session:
        report = refresh_themes(session, project_id=project_id, count=3)
    assert (report.embedded, report.reclustered, report.themes) == (12, True, 3)
    themes = {problem: _theme_of(database, ids) for problem, ids in seeded.items()}
    assert all(len(ids) == 1 and None not in ids for ids in themes.values())
    assert len(set.union(*themes.values())) == 3
    with database.session() as session:
        by_id = {theme.id: theme for theme in list_themes(session, project_id)}
        export = by_id[next(iter(themes["export"]))]
        assert "export" in export.name or "exporter" in export.name
        assert export.size == 4 and len(export.quotes) == 3
        assert {q["id"] for q in export.quotes} <= set(seeded["export"])


def test_new_items_join_existing_themes_and_ids_and_names_stay(db: tuple[Database, int]) -> None:
    database, project_id = db
    seeded = _seed(database, project_id)
    with database.session() as session:
        refresh_themes(session, project_id=project_id, count=3)
    submit = next(iter(_theme_of(database, seeded["submit"])))
    export = next(iter(_theme_of(database, seeded["export"])))
    with database.session() as session:
        rename_theme(session, project_id=project_id, theme_id=submit, name="Silent submit")
        before = {t.id for t in list_themes(session, project_id)}
    new = _add(
        database,
        project_id,
        [
            {"kind": "in_app", "text": "I pressed the submit button and got no confirmation"},
            {"kind": "in_app", "text": "Pouvez-vous ajouter un export Excel de mes rapports ?"},
            {"kind": "in_app", "text": "What will the weather be like tomorrow in Lyon?"},
        ],
    )
    with database.session() as session:
        report = refresh_themes(session, project_id=project_id)
        after = {t.id: t.name for t in list_themes(session, project_id)}
    assert (report.embedded, report.assigned, report.reclustered) == (3, 2, False)
    assert _theme_of(database, [new[0]]) == {submit}
    assert _theme_of(database, [new[1]]) == {export}
    assert _theme_of(database, [new[2]]) == {None}  # about nothing known: waits, unthemed
    assert set(after) == before and after[submit] == "Silent submit"
    with database.session() as session:
        again = refresh_themes(session, project_id=project_id, recluster=True, count=3)
        reclustered = {t.id: t.name for t in list_themes(session, project_id)}
    assert again.reclustered and reclustered == after  # same ids, the person's name kept


def test_new_french_items_join_the_english_themes_they_match(db: tuple[Database, int]) -> None:
    database, project_id = db
    seeded = _seed(database, project_id)
    with database.session() as session:
        refresh_themes(session, project_id=project_id, count=3)
    new = _add(
        database,
        project_id,
        [
            {"kind": "in_app", "text": "Mon mot de passe est toujours refusé"},
            {"kind": "in_app", "text": "Un export Excel serait utile"},
        ],
    )
    with database.session() as session:
        report = refresh_themes(session, project_id=project_id)
    assert (report.assigned, report.reclustered) == (2, False)
    assert _theme_of(database, [new[0]]) == _theme_of(database, seeded["login"])
    assert _theme_of(database, [new[1]]) == _theme_of(database, seeded["export"])


def test_merge_then_split_gives_back_the_problems(db: tuple[Database, int]) -> None:
    database, project_id = db
    seeded = _seed(database, project_id)
    with database.session() as session:
        refresh_themes(session, project_id=project_id, count=3)
    submit = next(iter(_theme_of(database, seeded["submit"])))
    login = next(iter(_theme_of(database, seeded["login"])))
    with database.session() as session:
        merged = merge_themes(session, project_id=project_id, into=submit, others=[login])
        assert merged.size == 8 and len(list_themes(session, project_id)) == 2
    assert _theme_of(database, seeded["submit"] + seeded["login"]) == {submit}
    with database.session() as session:
        parts = [t.id for t in split_theme(session, project_id=project_id, theme_id=submit)]
    assert parts[0] == submit and len(parts) == 2
    submit_side, login_side = (
        _theme_of(database, seeded["submit"]),
        _theme_of(database, seeded["login"]),
    )
    assert len(submit_side) == 1 and len(login_side) == 1 and submit_side != login_side


def test_edits_check_their_input(db: tuple[Database, int]) -> None:
    database, project_id = db
    with database.session() as session, pytest.raises(NotFound):
        rename_theme(session, project_id=project_id, theme_id=999, name="x")
    seeded = _seed(database, project_id)
    with database.session() as session:
        refresh_themes(session, project_id=project_id, count=3)
    theme = next(iter(_theme_of(database, seeded["export"])))
    with database.session() as session:
        with pytest.raises(InvalidInput):
            rename_theme(session, project_id=project_id, theme_id=theme, name="  ")
        with pytest.raises(InvalidInput):
            split_theme(session, project_id=project_id, theme_id=theme, parts=3)
        with pytest.raises(InvalidInput):
            merge_themes(session, project_id=project_id, into=theme, others=[theme])


@pytest.mark.parametrize(("text", "days"), [("24h", 1), ("7d", 7), ("4w", 28)])
def test_periods(text: str, days: int) -> None:
    assert parse_period(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "7", "0d", "7y", "-3d", "99999d"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(text)


def _event(name: str, distinct_id: str, **properties: Any) -> dict[str, Any]:
    return {
        "event": name,
        "distinct_id": distinct_id,
        "uuid": str(uuid.uuid4()),
        "timestamp": "2026-11-20T10:00:00Z",
        "properties": properties,
    }


def test_irritants_rank_by_volume_with_trend_negativity_and_persons(
    db: tuple[Database, int], tmp_path: Path
) -> None:
    database, project_id = db
    day = timedelta(days=1)
    submit_rows = [
        # This week: 4 items, 3 negative, authors anon-1 and user-1 are one person, plus u2.
        ("The submit button does not work, nothing happens", "anon-1", NOW - day),
        ("Le bouton valider ne marche pas, c'est frustrant", "user-1", NOW - 2 * day),
        ("Clicking submit gives no feedback, broken", "u2", NOW - 3 * day),
        ("The submit button shows no confirmation", "u2", NOW - 4 * day),
        # The week before: 2 items.
        ("Submit does nothing when I click it", "u3", NOW - 8 * day),
        ("Rien ne se passe quand je clique sur valider", "u4", NOW - 9 * day),
    ]
    rows = [
        {"kind": "support_ticket", "text": t, "author": a, "time": w.isoformat(), "page": "/form"}
        for t, a, w in submit_rows
    ]
    export_rows = [
        ("Please add an export to Excel", "u5", NOW - day),
        ("J'aimerais exporter mes rapports en CSV", "u6", NOW - 10 * day),
        ("Can I export my reports as a CSV file?", "u7", NOW - 30 * day),
    ]
    rows += [
        {"kind": "in_app", "text": t, "author": a, "time": w.isoformat()} for t, a, w in export_rows
    ]
    _add(database, project_id, rows)
    with database.session() as session:
        refresh_themes(session, project_id=project_id, count=2)
    store = open_store(f"duckdb:///{tmp_path / 'events.duckdb'}")
    try:
        merge = _event("$identify", "user-1", **{"$anon_distinct_id": "anon-1"})
        prepared = prepare([merge], project_id=project_id, max_event_bytes=100_000)
        store.write(prepared.batch)
        with database.session() as session:
            ranked = rank_irritants(
                session, project_id=project_id, period=timedelta(days=7), now=NOW, store=store
            )
            without_store = rank_irritants(
                session, project_id=project_id, period=timedelta(days=7), now=NOW
            )
    finally:
        store.close()
    assert [(i.volume, i.previous_volume) for i in ranked] == [(4, 2), (1, 1)]
    top = ranked[0]
    assert top.trend == 2.0 and top.share_negative == 0.75
    assert top.persons == 2 and without_store[0].persons == 3
    assert top.pages == ["/form"]
    assert ranked[1].trend == 1.0 and ranked[1].share_negative == 0.0


def test_refresh_without_items_or_comments(db: tuple[Database, int]) -> None:
    database, project_id = db
    _add(database, project_id, [{"kind": "nps", "text": "", "score": 2}])
    with database.session() as session:
        report = refresh_themes(session, project_id=project_id)
    assert (report.embedded, report.themes) == (0, 0)
