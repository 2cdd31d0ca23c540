"""The weekly KPI reading on a seeded knowledge base and event store, with hand-computed
figures; decisions recorded and shown on the agenda (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.database import Database
from launchloop.loop.ritual_reports import spark_points, weekly_html, weekly_markdown
from launchloop.loop.rituals import record_decision, weekly_agenda
from launchloop.store.base import EventStore
from tests.analytics_events import ev, write
from tests.knowledge_fixtures import as_role, new_project
from tests.loop_seed import TODAY, Seed, seed

#: signed_up events: 3, 0, 0, 0, 1, 0, 2 over the week ending today; 4 the week before.
PER_DAY = {6: 3, 2: 1, 0: 2, 10: 4}


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite knowledge base."""
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    yield database
    database.dispose()


def _seeded(kb: Database, store: EventStore) -> tuple[int, Seed]:
    project_id = new_project(kb)
    with kb.session() as session:
        s = seed(session, project_id)
    events = [
        ev("signed_up", f"u{back}-{n}", f"{TODAY - timedelta(days=back)}T12:00:00")
        for back, count in PER_DAY.items()
        for n in range(count)
    ]
    write(store, events, project_id=project_id)
    return project_id, s


def test_the_weekly_reading_has_every_kpi_and_what_waits(
    kb: Database, event_store: EventStore
) -> None:
    project_id, s = _seeded(kb, event_store)
    with kb.session() as session:
        agenda = weekly_agenda(event_store, session, project_id, until=TODAY)
    assert [k.name for k in agenda.kpis] == ["checkout_errors", "signups"]
    signups = agenda.kpis[1]
    assert (signups.value, signups.previous, signups.change) == (6.0, 4.0, 2.0)
    assert (signups.target, signups.on_target) == (100.0, False)
    assert signups.series == (3.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0)
    errors = agenda.kpis[0]  # same events, lower is better, target 5: 6 is off target
    assert (errors.value, errors.direction, errors.on_target) == (6.0, "down", False)
    sig = s.signals
    assert {i.item_id for i in agenda.signals} == {sig[k] for k in ("s1", "s2", "s3", "s4", "s6")}
    assert {i.item_id for i in agenda.drafts} == {s.insights["i1"], s.insights["i2"]}
    assert [i.item_id for i in agenda.evaluations] == [s.actions["a1"]]
    assert (agenda.start, agenda.end) == (TODAY - timedelta(days=6), TODAY)


def test_a_launch_reading_keeps_what_belongs_to_the_launch(
    kb: Database, event_store: EventStore
) -> None:
    project_id, s = _seeded(kb, event_store)
    with kb.session() as session:
        agenda = weekly_agenda(event_store, session, project_id, until=TODAY, launch="checkout-v2")
        with pytest.raises(NotFound):
            weekly_agenda(event_store, session, project_id, until=TODAY, launch="nope")
    assert {i.item_id for i in agenda.signals} == {s.signals[k] for k in ("s1", "s2", "s3")}
    assert agenda.drafts == () and agenda.evaluations == ()


def test_decisions_are_recorded_and_shown_in_markdown_and_html(
    kb: Database, event_store: EventStore
) -> None:
    project_id, s = _seeded(kb, event_store)
    admin = as_role(project_id, "admin", "ada")
    with kb.session() as session:
        cite = f"insight:{s.insights['i3']}"
        record_decision(session, admin, ritual="weekly", held_on=TODAY,
                        text="Rewrite the ad copy", cites=[cite])  # fmt: skip
        with pytest.raises(InvalidInput):
            record_decision(session, admin, ritual="weekly", held_on=TODAY, text="x",
                            cites=["insight:99999"])  # fmt: skip
        with pytest.raises(InvalidInput):
            record_decision(session, admin, ritual="daily", held_on=TODAY, text="x")
        agenda = weekly_agenda(event_store, session, project_id, until=TODAY)
    assert [(d.title, d.detail) for d in agenda.decisions] == [("Rewrite the ad copy", cite)]
    markdown = weekly_markdown(agenda)
    assert "| signups | product | 6 | 4 | +2 | 100 | off target | █▁▁▁▃▁▆ |" in markdown
    assert "- Rewrite the ad copy (decision" in markdown
    html = weekly_html(agenda)
    assert "<td>signups</td><td>product</td><td class='n'>6</td><td class='n'>4</td>" in html
    assert spark_points((3.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0)) in html


def test_sparkline_points_scale_to_the_box() -> None:
    assert spark_points((0.0, None, 2.0)) == "0.0,24.0 120.0,0.0"
    assert spark_points((None, None)) == ""
