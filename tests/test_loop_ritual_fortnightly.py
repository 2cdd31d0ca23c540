"""The fortnightly experiment definition's agenda on a seeded knowledge base (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Experiment
from launchloop.loop.ritual_fortnightly import fortnightly_agenda
from launchloop.loop.ritual_reports import fortnightly_markdown
from launchloop.stats.power import sample_size
from launchloop.store.base import EventStore
from tests.analytics_events import ev, write
from tests.knowledge_fixtures import as_role, new_project
from tests.loop_seed import NOW, seed


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite knowledge base."""
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    yield database
    database.dispose()


def test_the_agenda_lists_untested_insights_sized_candidates_and_running_tests(
    kb: Database, event_store: EventStore
) -> None:
    project_id = new_project(kb)
    day = (NOW - timedelta(days=3)).date()
    # 10 persons active in the last 28 days, 4 of whom signed up: a 0.4 baseline.
    events = [ev("$pageview", f"p{n}", f"{day}T10:00:00") for n in range(10)]
    events += [ev("signed_up", f"p{n}", f"{day}T11:00:00") for n in range(4)]
    write(event_store, events, project_id=project_id)
    admin = as_role(project_id, "admin")
    with kb.session() as session:
        s = seed(session, project_id)
        rate = create_kpi(session, admin, {"name": "signup_rate", "kind": "unique",
                                           "events": ["signed_up"]})  # fmt: skip
        session.flush()
        a3 = create_action(session, admin, kind="experiment", title="Green button",
                           insight_ids=[s.insights["i4"]], impact_kpi_id=rate.id,
                           expected_change=0.1)  # fmt: skip
        a3.priority_score = 5.0
        session.add(Experiment(project_id=project_id, action_id=a3.id, name="green",
                               status="running", started_at=NOW - timedelta(days=4)))  # fmt: skip
        session.flush()
        agenda = fortnightly_agenda(event_store, session, project_id, now=NOW)
    assert agenda.insights_without_action == ()  # i3 has a1, a2; i4 has a3
    assert [c.action_id for c in agenda.candidates] == [a3.id, s.actions["a1"], s.actions["a2"]]
    sized, unsized = agenda.candidates[0], agenda.candidates[1]
    # +0.1 on a 0.4 baseline is a relative change of 0.25; 10 persons over 28 days a day.
    expected = sample_size(0.4, 0.25, daily_traffic=10 / 28)
    assert (sized.persons_per_variant, sized.days) == (expected.per_variant, expected.days)
    assert sized.persons_per_variant and sized.persons_per_variant > 0
    assert unsized.persons_per_variant is None and "impact KPI" in (unsized.sizing_problem or "")
    [running] = agenda.running
    assert (running.name, running.days_running, running.analyses) == ("green", 4, 0)
    assert agenda.as_dict()["running"][0]["started"] == (NOW - timedelta(days=4)).date().isoformat()
    markdown = fortnightly_markdown(agenda)
    assert (
        f"| Green button ({a3.id}) | experiment | 5 | {expected.per_variant:,} | {expected.days} |"
        in markdown
    )
    assert "- green: since" in markdown


def test_a_validated_insight_without_action_is_on_the_agenda(
    kb: Database, event_store: EventStore
) -> None:
    project_id = new_project(kb)
    with kb.session() as session:
        s = seed(session, project_id)
        agenda = fortnightly_agenda(event_store, session, project_id, now=NOW)
    assert agenda.insights_without_action == ((s.insights["i4"], "Price page confuses"),)
