"""Seeded scenarios with injected effects: each is found, joined in one draft, nothing else.

The precision and recall over 20 seeds are in docs/benchmarks.md (``benchmarks/detect.py``);
here a few seeds run on each event store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from launchloop.detect.run import run_detection
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from launchloop.knowledge.roles import Caller
from launchloop.store.base import EventStore
from tests.detect_scenarios import scenario, score, seed_scenario


@pytest.mark.parametrize("seed", [0, 7, 11])
def test_injected_effects_are_found_and_joined(
    seed: int, event_store: EventStore, tmp_path: Path
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    case = scenario(seed)
    with database.session() as session:
        project_id = create_project(session, name="scenario").id
        theme_id = seed_scenario(case, event_store, session, project_id)
    with database.session() as session:
        caller = Caller(project_id, "admin", "detector")
        report = run_detection(session, event_store, caller, case.window)
        result = score(case, report.created, report.drafts.created, theme_id)
    database.dispose()
    assert (result.funnel_drop, result.friction_hotspot, result.theme_surge) == (True,) * 3
    assert result.joined, "the drop, the hot spot and the tickets are one draft insight"
    assert result.false_signals == ()
