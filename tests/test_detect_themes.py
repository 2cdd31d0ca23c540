"""Feedback theme surges and new themes, on SQLite and PostgreSQL, against scipy's Poisson."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from scipy import stats

from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import DetectionWindow
from launchloop.detect.step_words import matching_steps
from launchloop.detect.theme_surge import (
    ThemeVolume,
    detect_theme_surges,
    find_theme_surges,
    page_path,
)
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import FeedbackItem, Theme
from launchloop.store.base import open_store
from tests.knowledge_fixtures import kdb, new_project  # noqa: F401

WINDOW = DetectionWindow(date(2026, 11, 22), days=7, baseline_days=28)
SIGNUP = "https://app.example.com/signup"


def volume(theme_id: int, current: int, baseline: int) -> ThemeVolume:
    """A theme's counts, nothing else."""
    return ThemeVolume(theme_id, f"theme {theme_id}", current, baseline, 0, (), (), ())


def test_surges_new_themes_and_steady_themes() -> None:
    themes = [volume(1, 2, 8), volume(2, 12, 0), volume(3, 6, 8), volume(4, 30, 8)]
    found = {f.payload["theme_id"]: f for f in detect_theme_surges(themes, WINDOW)}
    assert sorted(found) == [2, 4]
    new = found[2].payload
    assert new["new_theme"] is True and new["expected"] == pytest.approx(0.5 * 7 / 28)
    assert new["p_value"] == pytest.approx(stats.poisson.sf(11, 0.5 * 7 / 28))
    # Theme 3: 6 items against 8.5 * 7 / 28 = 2.1 expected: p = 0.018, not below 0.01 / 3.
    assert stats.poisson.sf(5, 8.5 * 7 / 28) > 0.01 / 3
    assert "a new theme" in found[2].text and "expected from the days before" in found[4].text


def test_page_path_of_urls_and_paths() -> None:
    assert page_path("https://app.example.com/signup?x=1") == "/signup"
    assert page_path("/signup?step=2") == "/signup"
    assert page_path(None) is None


def add_items(database: Database, project_id: int, theme_id: int, days: list[int], page: str):
    """Items of ``theme_id``, one per entry of ``days`` (days before 2026-11-22, noon UTC)."""
    with database.session() as session:
        for n, back in enumerate(days):
            session.add(
                FeedbackItem(
                    project_id=project_id, kind="support_ticket", source="api",
                    text=f"Create account button does nothing ({n})", page=page,
                    observed_at=datetime(2026, 11, 22, 12, tzinfo=UTC) - timedelta(days=back),
                    theme_id=theme_id, sentiment="negative",
                )
            )  # fmt: skip


def test_a_new_theme_of_tickets_surges_from_the_database(kdb: Database, tmp_path) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        new = Theme(project_id=project_id, name="button does nothing", size=12)
        steady = Theme(project_id=project_id, name="slow export", size=10)
        session.add_all([new, steady])
        session.flush()
        new_id, steady_id = new.id, steady.id
    add_items(
        kdb,
        project_id,
        new_id,
        [0, 1, 1, 2, 2, 3, 3, 4, 5, 6],
        SIGNUP,
    )
    add_items(kdb, project_id, new_id, [7, 40], SIGNUP)  # before the period / before the baseline
    add_items(kdb, project_id, steady_id, [1, 9, 16, 23, 30, 4, 12, 19, 26], "/reports")
    store = open_store(f"duckdb:///{tmp_path / 'e.duckdb'}")
    try:
        with kdb.session() as session:
            context = DetectionContext(store, session, project_id, WINDOW)
            (found,) = find_theme_surges(context)
    finally:
        store.close()
    assert found.payload["theme_id"] == new_id
    assert (found.payload["items"], found.payload["baseline_items"]) == (10, 1)
    assert found.subjects == (f"theme:{new_id}", "page:/signup")
    assert len(found.feedback_ids) == 10 and found.team is None  # routed to its observer
    assert "Create account button does nothing" in found.text


STEPS = {"$pageview": ["/"], "signup_started": ["/signup"], "signup_completed": ["/signup"],
         "report_exported": ["/reports"]}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "words", "expected"),
    [
        (
            "inscription impossible",
            ["inscription", "bouton"],
            ["signup_completed", "signup_started"],
        ),
        ("I cannot sign up", [], ["signup_completed", "signup_started"]),
        ("Créer un compte ne marche pas", [], ["signup_completed", "signup_started"]),
        ("slow export", ["csv"], ["report_exported"]),
        ("the button does nothing", ["click"], []),  # generic words tie nothing
        ("pricing is unclear", ["pricing"], []),
    ],
)
def test_theme_words_match_the_steps_they_name(
    name: str, words: list[str], expected: list[str]
) -> None:
    assert matching_steps(name, words, STEPS) == expected


def test_a_surging_theme_names_the_steps_its_words_match() -> None:
    theme = ThemeVolume(4, "inscription impossible", 9, 0, 9, (), (), (), ("inscription",))
    (found,) = detect_theme_surges([theme], WINDOW, steps=STEPS)
    assert {"step:signup_started", "step:signup_completed"} <= set(found.subjects)
    assert found.payload["steps"] == ["signup_completed", "signup_started"]
    (alone,) = detect_theme_surges([theme], WINDOW)
    assert alone.subjects == ("theme:4",)
