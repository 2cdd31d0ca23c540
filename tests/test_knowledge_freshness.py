"""Freshness: review dates make insights stale; re-validation re-runs real saved funnels."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from launchloop.analytics.funnels import FunnelQuery, FunnelStep, funnel
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import Forbidden, InvalidInput
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.freshness import format_figure, mark_stale, revalidate
from launchloop.knowledge.insights import create_insight, get_insight, validate_insight
from launchloop.knowledge.models import utcnow
from launchloop.store.duckdb import DuckDBStore
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]
SAVED = {
    "kind": "funnel",
    "steps": ["form_started", "form_submitted"],
    "from": "2026-11-01",
    "to": "2026-11-30",
}


def _write(store: DuckDBStore, pairs: list[tuple[str, str, str]]) -> None:
    events = [
        {
            "event": e,
            "distinct_id": who,
            "timestamp": f"2026-11-{day}T10:00:00Z",
            "uuid": f"{e}-{who}-{day}",
        }
        for e, who, day in pairs
    ]
    prepared = prepare(events, project_id=1, max_event_bytes=100_000)
    assert not prepared.rejections
    store.write(prepared.batch)


def _drop_rate(store: DuckDBStore) -> Any:
    """The runner the caller gives: a saved funnel's share of persons lost after step 1."""

    def run(saved: dict[str, Any]) -> float:
        query = FunnelQuery(
            project_id=1,
            span=DateRange(date.fromisoformat(saved["from"]), date.fromisoformat(saved["to"])),
            steps=tuple(FunnelStep(name) for name in saved["steps"]),
        )
        return 1 - funnel(store, query).steps[-1].conversion_from_first

    return run


@pytest.fixture
def store(tmp_path: Path) -> DuckDBStore:
    """Four persons started the form, two submitted it: 50% lost."""
    db = DuckDBStore(str(tmp_path / "events.duckdb"))
    _write(db, [("form_started", p, "10") for p in "abcd"])
    _write(db, [("form_submitted", p, "11") for p in "ab"])
    return db


def test_overdue_insights_go_stale_and_revalidation_shows_what_changed(
    kdb: Database, store: DuckDBStore
) -> None:
    project = new_project(kdb)
    writer, decider = as_role(project, "contributor"), as_role(project, "decider")
    run = _drop_rate(store)
    with kdb.session() as session:
        old = create_insight(session, writer, statement="half abandon").id
        add_evidence(
            session,
            writer,
            old,
            kind="query",
            query=SAVED,
            figure=run(SAVED),
            figure_label="lost after start",
        )
        add_evidence(session, writer, old, kind="feedback", quote="nothing happens")
        fresh = create_insight(session, writer, statement="another").id
        add_evidence(session, writer, fresh, kind="feedback", quote="q")
        today = utcnow().date()
        validate_insight(session, decider, old, review_by=today + timedelta(days=1))
        validate_insight(session, decider, fresh, review_by=today + timedelta(days=30))
    with kdb.session() as session:
        assert mark_stale(session, writer, today=today + timedelta(days=1)) == []
        assert mark_stale(session, writer, today=today + timedelta(days=2)) == [old]
        assert get_insight(session, project, fresh).status == "validated"
    with kdb.session() as session, pytest.raises(InvalidInput, match=f"{old} is stale"):
        create_action(session, writer, kind="fix", title="t", insight_ids=[old])
    _write(store, [("form_submitted", "c", "12")])  # one more person got through
    with kdb.session() as session, pytest.raises(Forbidden):
        revalidate(session, writer, old, run)
    with kdb.session() as session:
        result = revalidate(session, decider, old, run)
        assert [c.shown for c in result.changes] == ["50% -> 25%"]
        assert result.insight.status == "validated"
        assert result.insight.review_by == today + timedelta(days=90)
        piece = result.insight.evidence[0]
        assert (piece.figure, piece.last_figure) == (0.5, 0.25)
    with kdb.session() as session:
        assert create_action(session, writer, kind="fix", title="t", insight_ids=[old]).id


def test_a_validated_insight_is_not_revalidated(kdb: Database, store: DuckDBStore) -> None:
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        insight = create_insight(session, admin, statement="x").id
        add_evidence(session, admin, insight, kind="query", query=SAVED, figure=0.5)
        validate_insight(session, admin, insight)
    with kdb.session() as session, pytest.raises(InvalidInput, match="validated to validated"):
        revalidate(session, admin, insight, _drop_rate(store))


@pytest.mark.parametrize(
    ("value", "shown"), [(0.37, "37%"), (0.225, "22%"), (120.0, "120"), (1.0, "1"), (None, "?")]
)
def test_figures_are_shown_as_people_read_them(value: float | None, shown: str) -> None:
    assert format_figure(value) == shown
