"""Experiments, learnings and comments: decided by deciders, capitalized as evidence."""

from __future__ import annotations

from datetime import date

import pytest

from launchloop.errors import Forbidden, InvalidInput, NotFound
from launchloop.knowledge.actions import (
    action_confidence,
    create_action,
    get_action,
    move_action,
)
from launchloop.knowledge.comments import add_comment, comments_on
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.experiments import (
    add_analysis,
    create_experiment,
    decide_experiment,
    move_experiment,
)
from launchloop.knowledge.insights import create_insight, get_insight, validate_insight
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.learnings import create_learning, list_learnings
from launchloop.knowledge.teams import create_team, ensure_default_teams, observers_of, update_team
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]
VARIANTS = [{"name": "control", "weight": 0.5}, {"name": "spinner", "weight": 0.5}]


def _planned_action(database: Database, project: int) -> tuple[int, int]:
    admin = as_role(project, "admin")
    with database.session() as session:
        insight = create_insight(session, admin, statement="37% abandon")
        add_evidence(session, admin, insight.id, kind="query", query={"event": "a"}, figure=0.37)
        validate_insight(session, admin, insight.id)
        completion = {"name": "completion", "kind": "funnel_conversion", "events": ["a", "b"]}
        kpi = create_kpi(session, admin, completion)
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
            expected_change=0.05,
        )
        move_action(session, admin, action.id, "planned")
        return action.id, insight.id


def test_an_experiment_is_decided_by_a_decider_and_becomes_a_learning(kdb: Database) -> None:
    project = new_project(kdb)
    writer, decider = as_role(project, "contributor"), as_role(project, "decider", "Dana")
    action_id, insight_id = _planned_action(kdb, project)
    with kdb.session() as session:
        with pytest.raises(InvalidInput, match="exposure"):
            create_experiment(session, writer, action_id=action_id, name="e", variants=VARIANTS)
        with pytest.raises(InvalidInput, match="two variants"):
            create_experiment(
                session,
                writer,
                action_id=action_id,
                name="e",
                variants=VARIANTS[:1],
                feature_flag="f",
            )
        experiment = create_experiment(
            session,
            writer,
            action_id=action_id,
            name="Spinner test",
            variants=VARIANTS,
            exposure_event="form_viewed",
        )
        assert experiment.primary_kpi_id == get_action(session, project, action_id).impact_kpi_id
    with kdb.session() as session, pytest.raises(InvalidInput, match="not decided"):
        create_learning(
            session, writer, title="t", tried="t", decision="ship", experiment_id=experiment.id
        )
    with kdb.session() as session, pytest.raises(InvalidInput, match="draft experiment"):
        decide_experiment(session, decider, experiment.id, decision="ship", reason="won")
    with kdb.session() as session:
        move_experiment(session, writer, experiment.id, "start")
        add_analysis(session, writer, experiment.id, method="frequentist", snapshot={"p": 0.01})
    with kdb.session() as session, pytest.raises(Forbidden, match="decider"):
        decide_experiment(session, writer, experiment.id, decision="ship", reason="won")
    with kdb.session() as session, pytest.raises(InvalidInput, match="reason"):
        decide_experiment(session, decider, experiment.id, decision="ship", reason=" ")
    with kdb.session() as session:
        decided = decide_experiment(session, decider, experiment.id, decision="ship", reason="won")
        assert (decided.status, decided.decided_by, len(decided.analyses)) == ("decided", "Dana", 1)
        assert decided.ended_at is not None
        learning = create_learning(
            session,
            writer,
            title="Progress feedback lifts completion",
            tried="a spinner",
            decision="ship",
            experiment_id=experiment.id,
            measured_change=0.06,
            generalize=True,
        )
        assert (learning.action_id, learning.expected_change) == (action_id, 0.05)
        assert action_confidence(session, get_action(session, project, action_id)) == (
            1.0,
            f"experiment {experiment.id} decided ship",
        )
    with kdb.session() as session:
        newer = create_insight(session, writer, statement="forms need feedback").id
        add_evidence(session, writer, newer, kind="learning", learning_id=learning.id)
        add_evidence(session, writer, newer, kind="feedback", quote="no feedback")
        assert get_insight(session, project, newer).confidence == 0.8
        assert [x.id for x in list_learnings(session, project, generalize=True)] == [learning.id]
    del insight_id


def test_a_learning_needs_an_evaluated_action(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    action_id, _ = _planned_action(kdb, project)
    with kdb.session() as session, pytest.raises(InvalidInput, match="planned, not evaluated"):
        create_learning(session, writer, title="t", tried="t", decision="stop", action_id=action_id)
    with kdb.session() as session:
        move_action(session, writer, action_id, "in_progress")
        move_action(session, writer, action_id, "evaluating")
        learning = create_learning(
            session, writer, title="t", tried="t", decision="iterate", action_id=action_id
        )
        assert learning.experiment_id is None


def test_every_team_comments_on_items_of_its_project_only(kdb: Database) -> None:
    project, other = new_project(kdb), new_project(kdb, "Other")
    action_id, insight_id = _planned_action(kdb, project)
    with kdb.session() as session:
        teams = {t.name: t.id for t in ensure_default_teams(session, project)}
        writer = as_role(project, "contributor", "Sam")
        add_comment(
            session,
            writer,
            item_kind="insight",
            item_id=insight_id,
            body="18 tickets",
            team_id=teams["support"],
        )
        add_comment(
            session,
            writer,
            item_kind="insight",
            item_id=insight_id,
            body="p95 ok",
            team_id=teams["tech"],
        )
        bodies = [c.body for c in comments_on(session, project, "insight", insight_id)]
        assert bodies == ["18 tickets", "p95 ok"]
        with pytest.raises(NotFound):
            add_comment(
                session, as_role(other, "admin"), item_kind="action", item_id=action_id, body="x"
            )
        with pytest.raises(Forbidden):
            add_comment(
                session,
                as_role(project, "viewer"),
                item_kind="insight",
                item_id=insight_id,
                body="x",
            )
        with pytest.raises(InvalidInput, match="item_kind"):
            comments_on(session, project, "nonsense", 1)


def test_who_observes_what(kdb: Database) -> None:
    project = new_project(kdb)
    admin = as_role(project, "admin")
    with kdb.session() as session:
        assert [t.name for t in observers_of(session, project, "signal:funnel_drop")] == [
            "marketing"
        ]
        growth = create_team(session, admin, name="growth", observes=["signal:funnel_drop"])
        assert [t.name for t in observers_of(session, project, "signal:funnel_drop")] == [
            "marketing",
            "growth",
        ]
        update_team(session, admin, growth.id, observes=["feedback:sales"])
        assert [t.name for t in observers_of(session, project, "feedback:sales")] == ["growth"]
        with pytest.raises(Forbidden):
            create_team(session, as_role(project, "decider"), name="x", observes=[])
        with pytest.raises(InvalidInput, match="already exists"):
            create_team(session, admin, name="growth", observes=[])
