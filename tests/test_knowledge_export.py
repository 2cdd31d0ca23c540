"""Export / import of the whole knowledge base (SQLite -> PostgreSQL and back) and Markdown."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from launchloop.errors import Forbidden, InvalidInput
from launchloop.knowledge.actions import create_action, move_action
from launchloop.knowledge.comments import add_comment
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.experiments import (
    add_analysis,
    create_experiment,
    decide_experiment,
    move_experiment,
)
from launchloop.knowledge.export import export_knowledge, import_knowledge
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi, create_launch
from launchloop.knowledge.learnings import create_learning
from launchloop.knowledge.markdown import insight_markdown
from launchloop.knowledge.search import search
from launchloop.knowledge.signals import create_signal
from launchloop.knowledge.teams import create_member, ensure_default_teams
from tests.knowledge_fixtures import as_role, new_project

ID_FIELDS = {"id", "insight_id", "action_id", "experiment_id", "learning_id", "signal_id"}
ID_FIELDS |= {"team_id", "owner_team_id", "launch_id", "kpi_id", "impact_kpi_id"}
ID_FIELDS |= {"primary_kpi_id", "guardrail_kpi_ids", "item_id", "created_at", "updated_at"}
ID_FIELDS |= {"captured_at", "validated_at", "accepted_at", "started_at", "ended_at"}
ID_FIELDS |= {"decided_at", "last_run_at", "changes"}


def _fill(database: Database, project: int) -> int:
    """A launch's whole loop; returns the insight's id."""
    admin = as_role(project, "admin", "Ana")
    with database.session() as session:
        teams = {t.name: t.id for t in ensure_default_teams(session, project)}
        create_member(session, admin, name="Dana", role="decider", team_id=teams["product"])
        launch = create_launch(session, admin, name="Signup v2", hypotheses=["faster signup"])
        kpi = create_kpi(
            session,
            admin,
            {
                "name": "completion",
                "kind": "funnel_conversion",
                "events": ["signup_started", "signup_completed"],
                "owner_team": "product",
                "target": 0.7,
            },
            launch_id=launch.id,
        )
        signal = create_signal(session, admin, kind="funnel_drop", text="drop", kpi_id=kpi.id)
        insight = create_insight(
            session,
            admin,
            statement="37% abandon before validation",
            launch_id=launch.id,
            team_ids=[teams["support"]],
            tags=["form"],
        )
        add_evidence(session, admin, insight.id, kind="signal", signal_id=signal.id)
        add_evidence(
            session,
            admin,
            insight.id,
            kind="query",
            query={"event": "form_started"},
            figure=0.37,
            figure_label="abandon rate",
        )
        add_evidence(session, admin, insight.id, kind="feedback", quote="nothing happens")
        validate_insight(session, admin, insight.id, review_by=date(2027, 3, 1))
        action = create_action(
            session,
            admin,
            kind="experiment",
            title="Spinner",
            insight_ids=[insight.id],
            observation="o",
            hypothesis="h",
            impact_kpi_id=kpi.id,
            evaluation_date=date(2027, 1, 1),
            owner_team_id=teams["product"],
        )
        move_action(session, admin, action.id, "planned")
        experiment = create_experiment(
            session,
            admin,
            action_id=action.id,
            name="e",
            variants=[{"name": "a"}, {"name": "b"}],
            feature_flag="spinner",
            guardrail_kpi_ids=[kpi.id],
        )
        move_experiment(session, admin, experiment.id, "start")
        add_analysis(session, admin, experiment.id, method="srm", snapshot={"p": 0.4})
        decide_experiment(session, admin, experiment.id, decision="ship", reason="won")
        learning = create_learning(
            session,
            admin,
            title="Progress feedback works",
            tried="spinner",
            decision="ship",
            experiment_id=experiment.id,
        )
        newer = create_insight(session, admin, statement="Forms need progress feedback")
        add_evidence(session, admin, newer.id, kind="learning", learning_id=learning.id)
        add_comment(
            session,
            admin,
            item_kind="insight",
            item_id=insight.id,
            body="18 tickets",
            team_id=teams["support"],
        )
        return insight.id


def _shape(export: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The export without ids and times, which an import renews."""
    return {
        name: [{k: v for k, v in row.items() if k not in ID_FIELDS} for row in rows]
        for name, rows in export["tables"].items()
    }


def test_export_to_postgresql_and_back(tmp_path: Path, postgres_url: str) -> None:
    source = Database(f"sqlite:///{tmp_path}/source.db")
    source.migrate()
    target = Database(postgres_url)
    target.migrate()
    project = new_project(source)
    _fill(source, project)
    with source.session() as session:
        exported = export_knowledge(session, project)
    document = orjson.loads(orjson.dumps(exported))  # through JSON, as a file would
    decoy = new_project(target, "Decoy")
    with target.session() as session:  # so that ids differ on the target
        create_insight(session, as_role(decoy, "admin"), statement="decoy")
    copy = new_project(target, "Copy")
    with target.session() as session, pytest.raises(Forbidden):
        import_knowledge(session, as_role(copy, "decider"), document)
    with target.session() as session:
        counts = import_knowledge(session, as_role(copy, "admin"), document)
    assert counts["insights"] == 2 and counts["evidence"] == 4 and counts["changes"] > 10
    with target.session() as session:
        again = export_knowledge(session, copy)
        assert [h.kind for h in search(session, copy, "abandon")] == ["insight"]
    assert _shape(again) == _shape(exported)
    insight = again["tables"]["insights"][0]
    action_link = again["tables"]["action_insights"][0]
    assert action_link["insight_id"] == insight["id"] != exported["tables"]["insights"][0]["id"]
    with target.session() as session, pytest.raises(InvalidInput, match="without insights"):
        import_knowledge(session, as_role(copy, "admin"), document)
    source.dispose()
    target.dispose()


def test_an_insight_as_markdown(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    project = new_project(database)
    insight_id = _fill(database, project)
    with database.session() as session:
        text = insight_markdown(session, project, insight_id)
    database.dispose()
    assert text.startswith(f"# Insight {insight_id}: 37% abandon before validation\n")
    for line in [
        "- Status: validated (by Ana, ",
        "- Confidence: 0.8 (medium: feedback, usage)",
        "- Review by: 2027-03-01",
        "- Teams: support",
        "- Tags: form",
        "- Launch: Signup v2",
        "1. Signal 1 (funnel_drop: drop)",
        '2. Query: abandon rate 37% at capture — `{"event": "form_started"}`',
        "3. Feedback: > nothing happens",
        "- Action 1 (experiment, planned): Spinner",
        "- Ana (support), ",
    ]:
        assert line in text, line
