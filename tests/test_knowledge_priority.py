"""RICE from evidence: the arithmetic by hand, reach counted in a real DuckDB event store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from launchloop.errors import InvalidInput
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.actions import create_action, get_action, prioritize_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.priority import impact_of, rice
from launchloop.knowledge.reach import action_events, events_of_query, measure_reach
from launchloop.knowledge.signals import create_signal
from launchloop.store.duckdb import DuckDBStore
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]


@pytest.mark.parametrize(
    ("change", "impact"),
    [(0.25, 3.0), (0.2, 3.0), (0.135, 2.0), (0.05, 1.0), (0.03, 0.5), (0.0, 0.25)],
)
def test_impact_steps(change: float, impact: float) -> None:
    assert impact_of(change) == impact


def test_rice_shows_its_parts() -> None:
    # 1,200 persons; -0.05 on a 0.37 baseline is 13.5% -> impact 2; 0.8 x 2 / 2 weeks.
    priority = rice(reach=1200, baseline=0.37, expected_change=-0.05, confidence=0.8, effort=2)
    assert priority.relative_change == pytest.approx(0.05 / 0.37)
    assert (priority.reach, priority.impact, priority.confidence, priority.effort) == (
        1200,
        2.0,
        0.8,
        2,
    )
    assert priority.score == pytest.approx(1200 * 2.0 * 0.8 / 2)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"expected_change": None}, "expected_change"),
        ({"effort": 0}, "effort"),
        ({"reach": -1}, "reach"),
    ],
)
def test_rice_refuses_missing_parts(fields: dict[str, object], field: str) -> None:
    given: dict[str, object] = {
        "reach": 10,
        "baseline": 1.0,
        "expected_change": 0.1,
        "confidence": 0.5,
        "effort": 1.0,
    } | fields
    with pytest.raises(InvalidInput) as error:
        rice(**given)  # type: ignore[arg-type]
    assert error.value.field == field


def test_events_of_saved_queries() -> None:
    query = {"steps": [{"event": "a"}, "b", {"filters": []}], "event": "c", "events": ["d"]}
    assert events_of_query(query) == ["c", "d", "a", "b"]
    assert events_of_query(None) == []


def _event(event: str, distinct_id: str, day: str, **properties: object) -> dict[str, object]:
    return {
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": f"2026-11-{day}T12:00:00Z",
        "uuid": f"{event}-{distinct_id}-{day}",
        "properties": properties,
    }


@pytest.fixture
def store(tmp_path: Path) -> DuckDBStore:
    """A DuckDB event store with persons who met the form in November 2026 (project 1 and 2)."""
    events = [
        _event("form_started", "anon-1", "20"),
        _event("$identify", "user-1", "21", **{"$anon_distinct_id": "anon-1"}),
        _event("form_submitted", "user-1", "21"),  # same person as anon-1
        _event("form_started", "user-2", "10"),
        _event("form_started", "user-3", "01"),
        _event("form_started", "user-4", "10"),  # outside: only the 30 days before 11-25 count
        _event("page_viewed", "user-5", "20"),  # not an event of the evidence
    ]
    events[5]["timestamp"] = "2026-10-20T12:00:00Z"
    db = DuckDBStore(str(tmp_path / "events.duckdb"))
    for project_id in (1, 2):
        batch = [dict(e, uuid=f"{e['uuid']}-{project_id}") for e in events]
        if project_id == 2:
            batch = batch[:1]
        prepared = prepare(batch, project_id=project_id, max_event_bytes=100_000)
        assert not prepared.rejections
        db.write(prepared.batch)
    return db


def test_reach_counts_distinct_persons_of_the_month(store: DuckDBStore) -> None:
    until = datetime(2026, 11, 25, tzinfo=UTC)
    events = ["form_started", "form_submitted"]
    # anon-1/user-1 (one person), user-2, user-3 -> 3; user-4 too old, user-5 other event.
    assert measure_reach(store, 1, events, until=until) == 3
    assert measure_reach(store, 1, ["form_submitted"], until=until) == 1
    assert measure_reach(store, 2, events, until=until) == 1
    with pytest.raises(InvalidInput, match="reach"):
        measure_reach(store, 1, [], until=until)


def test_an_action_is_prioritized_from_its_evidence(kdb: Database, store: DuckDBStore) -> None:
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        insight = create_insight(session, admin, statement="37% abandon the form")
        signal = create_signal(
            session, admin, kind="funnel_drop", text="drop", query={"event": "form_submitted"}
        )
        add_evidence(session, admin, insight.id, kind="signal", signal_id=signal.id)
        add_evidence(
            session,
            admin,
            insight.id,
            kind="query",
            query={"events": ["form_started"]},
            figure=0.37,
        )
        add_evidence(session, admin, insight.id, kind="feedback", quote="nothing happens")
        validate_insight(session, admin, insight.id)
        action = create_action(
            session,
            admin,
            kind="improvement",
            title="Progress on submit",
            insight_ids=[insight.id],
            baseline=0.63,
            expected_change=0.05,
            effort=0.5,
            evaluation_date=date(2027, 1, 1),
        )
        events = action_events(session, action)
    assert events == ["form_submitted", "form_started"]
    reach = measure_reach(store, 1, events, until=datetime(2026, 11, 25, tzinfo=UTC))
    with kdb.session() as session:
        priority = prioritize_action(session, admin, action.id, reach=reach)
    # usage + feedback agree -> 0.8; 0.05 / 0.63 = 7.9% -> impact 1; 3 x 1 x 0.8 / 0.5.
    assert (priority.reach, priority.impact, priority.confidence) == (3, 1.0, 0.8)
    assert priority.score == pytest.approx(4.8)
    assert priority.confidence_basis == f"insight {insight.id} evidence"
    with kdb.session() as session:
        stored = get_action(session, project, action.id)
        assert stored.priority_score == pytest.approx(4.8)
        assert stored.priority == priority.as_dict()
