"""The rules of the loop, on SQLite and PostgreSQL: statuses, evidence, actions, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from launchloop.errors import Forbidden, InvalidInput, NotFound
from launchloop.knowledge.actions import create_action, move_action, update_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence, remove_evidence
from launchloop.knowledge.history import history_of
from launchloop.knowledge.insights import (
    change_insight_status,
    create_insight,
    get_insight,
    list_insights,
    update_insight,
    validate_insight,
)
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Action, Change, utcnow
from launchloop.knowledge.roles import set_decision_role
from launchloop.knowledge.signals import create_signal
from launchloop.knowledge.teams import ensure_default_teams
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]

QUERY = {"kind": "funnel", "steps": [{"event": "form_started"}, {"event": "form_submitted"}]}


def _validated_insight(database: Database, project_id: int, statement: str = "37% abandon") -> int:
    admin = as_role(project_id, "admin")
    with database.session() as session:
        insight = create_insight(session, admin, statement=statement)
        add_evidence(session, admin, insight.id, kind="query", query=QUERY, figure=0.37)
        validate_insight(session, admin, insight.id)
        return insight.id


def test_insight_goes_draft_validated_stale_validated_retired(kdb: Database) -> None:
    project = new_project(kdb)
    writer, decider = as_role(project, "contributor"), as_role(project, "decider", "Dana")
    with kdb.session() as session:
        insight_id = create_insight(session, writer, statement="  37% abandon  ", tags=["Form"]).id
    with kdb.session() as session, pytest.raises(InvalidInput, match="at least one piece"):
        validate_insight(session, decider, insight_id)
    with kdb.session() as session:
        add_evidence(session, writer, insight_id, kind="query", query=QUERY, figure=0.37)
    with kdb.session() as session, pytest.raises(InvalidInput, match="from draft to stale"):
        change_insight_status(session, writer, insight_id, "stale")
    with kdb.session() as session:
        insight = validate_insight(session, decider, insight_id)
        assert (insight.status, insight.validated_by) == ("validated", "Dana")
        assert insight.review_by == utcnow().date() + timedelta(days=90)
        assert insight.statement == "37% abandon" and insight.tags == ["form"]
    with kdb.session() as session:
        assert change_insight_status(session, writer, insight_id, "stale").status == "stale"
    with kdb.session() as session:
        assert validate_insight(session, decider, insight_id).status == "validated"
        change_insight_status(session, decider, insight_id, "retired")
    with kdb.session() as session, pytest.raises(InvalidInput, match="retired to validated"):
        validate_insight(session, decider, insight_id)
    with kdb.session() as session:
        verbs = [c.verb for c in history_of(session, project, "insight", insight_id)]
    assert verbs == ["created", "evidence_added", "validated", "stale", "validated", "retired"]


def test_a_viewer_cannot_write_and_a_contributor_cannot_validate(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session, pytest.raises(Forbidden, match="contributor"):
        create_insight(session, as_role(project, "viewer"), statement="x")
    with kdb.session() as session:
        insight_id = create_insight(session, as_role(project, "contributor"), statement="x").id
        add_evidence(
            session, as_role(project, "contributor"), insight_id, kind="feedback", quote="slow"
        )
    for role in ("viewer", "contributor"):
        with kdb.session() as session, pytest.raises(Forbidden, match="decider"):
            validate_insight(session, as_role(project, role), insight_id)


def test_who_validates_is_configurable_per_project(kdb: Database) -> None:
    project, other = new_project(kdb), new_project(kdb, "Other")
    with kdb.session() as session, pytest.raises(Forbidden, match="admin"):
        set_decision_role(
            session, as_role(project, "decider"), decision="validate_insight", role="contributor"
        )
    with kdb.session() as session:
        set_decision_role(
            session, as_role(project, "admin"), decision="validate_insight", role="contributor"
        )
    for project_id, allowed in ((project, True), (other, False)):
        with kdb.session() as session:
            writer = as_role(project_id, "contributor")
            insight_id = create_insight(session, writer, statement="x").id
            add_evidence(session, writer, insight_id, kind="feedback", quote="q")
        with kdb.session() as session:
            if allowed:
                assert validate_insight(session, writer, insight_id).status == "validated"
            else:
                with pytest.raises(Forbidden):
                    validate_insight(session, writer, insight_id)


def test_confidence_counts_independent_kinds_of_evidence(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    with kdb.session() as session:
        insight_id = create_insight(session, writer, statement="submit gives no feedback").id
        observed = create_signal(session, writer, kind="observation", text="seen in a session").id
        surge = create_signal(session, writer, kind="theme_surge", text="18 tickets").id
    steps = [
        ({"kind": "query", "query": QUERY, "figure": 0.37}, 0.5),
        ({"kind": "query", "query": {"event": "form_submitted"}, "figure": 120}, 0.5),
        ({"kind": "feedback", "quote": "I clicked and nothing happened"}, 0.8),
        ({"kind": "signal", "signal_id": surge}, 0.8),  # feedback again: same family
        ({"kind": "signal", "signal_id": observed}, 1.0),
        ({"kind": "feedback", "quote": "works for me", "supports": False}, 0.5),
    ]
    for fields, expected in steps:
        with kdb.session() as session:
            add_evidence(session, writer, insight_id, **fields)  # type: ignore[arg-type]
            assert get_insight(session, project, insight_id).confidence == expected, fields
    with kdb.session() as session:
        last = get_insight(session, project, insight_id).evidence[-1].id
        remove_evidence(session, writer, insight_id, last)
        assert get_insight(session, project, insight_id).confidence == 1.0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "signal"}, "signal_id"),
        ({"kind": "signal", "signal_id": 999}, "signal_id"),
        ({"kind": "query", "query": QUERY}, "figure"),
        ({"kind": "query", "figure": 1.0}, "query"),
        ({"kind": "feedback"}, "quote"),
        ({"kind": "learning", "learning_id": 5}, "learning_id"),
        ({"kind": "rumour"}, "kind"),
    ],
)
def test_bad_evidence_names_the_field(kdb: Database, fields: dict[str, object], field: str) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    with kdb.session() as session:
        insight_id = create_insight(session, writer, statement="x").id
    with kdb.session() as session, pytest.raises(InvalidInput) as error:
        add_evidence(session, writer, insight_id, **fields)  # type: ignore[arg-type]
    assert error.value.field == field


def test_an_action_stands_on_a_validated_insight_never_a_stale_one(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    validated = _validated_insight(kdb, project)
    with kdb.session() as session:
        draft = create_insight(session, writer, statement="draft only").id
    with kdb.session() as session, pytest.raises(InvalidInput, match="none of these"):
        create_action(session, writer, kind="fix", title="t", insight_ids=[draft])
    with kdb.session() as session, pytest.raises(InvalidInput, match="at least one"):
        create_action(session, writer, kind="fix", title="t", insight_ids=[])
    with kdb.session() as session:
        action = create_action(
            session, writer, kind="fix", title="t", insight_ids=[validated, draft]
        )
        assert action.insight_ids == [validated, draft]
        change_insight_status(session, writer, validated, "stale")
    with kdb.session() as session, pytest.raises(InvalidInput, match=f"{validated} is stale"):
        create_action(session, writer, kind="fix", title="again", insight_ids=[validated])


def test_an_action_cannot_leave_proposed_without_what_the_loop_needs(kdb: Database) -> None:
    project = new_project(kdb)
    writer, decider = as_role(project, "contributor"), as_role(project, "decider")
    insight_id = _validated_insight(kdb, project)
    with kdb.session() as session:
        kpi = create_kpi(
            session,
            writer,
            {"name": "completion", "kind": "funnel_conversion", "events": ["start", "done"]},
        ).id
        action_id = create_action(
            session, writer, kind="experiment", title="Spinner", insight_ids=[insight_id]
        ).id
    with kdb.session() as session, pytest.raises(InvalidInput) as error:
        move_action(session, decider, action_id, "planned")
    assert error.value.reason == (
        "cannot leave proposed: missing observation, hypothesis, impact KPI, evaluation date"
    )
    with kdb.session() as session:
        update_action(
            session,
            writer,
            action_id,
            observation="37% abandon",
            hypothesis="if the button shows progress then completion rises 5 points",
            impact_kpi_id=kpi,
            evaluation_date=date(2027, 1, 15),
        )
    with kdb.session() as session, pytest.raises(Forbidden, match="decider"):
        move_action(session, writer, action_id, "planned")
    with kdb.session() as session, pytest.raises(InvalidInput, match="proposed to done"):
        move_action(session, decider, action_id, "done")
    with kdb.session() as session:
        change_insight_status(session, writer, insight_id, "stale")
    with kdb.session() as session, pytest.raises(InvalidInput, match="missing a validated"):
        move_action(session, decider, action_id, "planned")
    with kdb.session() as session:
        validate_insight(session, decider, insight_id)
        assert move_action(session, decider, action_id, "planned").accepted_by == "a decider"
    with kdb.session() as session:
        assert move_action(session, writer, action_id, "in_progress").status == "in_progress"


def test_a_failed_write_leaves_nothing_behind(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    insight_id = _validated_insight(kdb, project)
    with kdb.session() as session:
        changes_before = session.scalar(select(func.count()).select_from(Change))
    with pytest.raises(InvalidInput, match="impact_kpi_id"), kdb.session() as session:
        create_action(
            session, writer, kind="fix", title="t", insight_ids=[insight_id], impact_kpi_id=999
        )
    with kdb.session() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
        assert session.scalar(select(func.count()).select_from(Change)) == changes_before


def test_another_projects_ids_are_not_found(kdb: Database) -> None:
    mine, theirs = new_project(kdb, "Mine"), new_project(kdb, "Theirs")
    their_insight = _validated_insight(kdb, theirs)
    me = as_role(mine, "admin")
    with kdb.session() as session:
        with pytest.raises(NotFound):
            get_insight(session, mine, their_insight)
        with pytest.raises(NotFound):
            validate_insight(session, me, their_insight)
        with pytest.raises(InvalidInput, match="insight_ids"):
            create_action(session, me, kind="fix", title="t", insight_ids=[their_insight])
        assert list_insights(session, mine) == []


def test_insights_filter_by_status_team_and_tag(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    with kdb.session() as session:
        teams = {t.name: t.id for t in ensure_default_teams(session, project)}
        a = create_insight(session, writer, statement="a", team_ids=[teams["support"]], tags=["x"])
        b = create_insight(session, writer, statement="b", team_ids=[teams["tech"]], tags=["y"])
        a_id, b_id = a.id, b.id
    validated = _validated_insight(kdb, project)
    with kdb.session() as session:
        assert [i.id for i in list_insights(session, project, team_id=teams["tech"])] == [b_id]
        assert [i.id for i in list_insights(session, project, tag="X")] == [a_id]
        assert [i.id for i in list_insights(session, project, status="validated")] == [validated]
        with pytest.raises(InvalidInput, match="team_ids"):
            create_insight(session, writer, statement="c", team_ids=[12345])


def test_a_one_megabyte_statement_is_refused(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session, pytest.raises(InvalidInput, match="over the limit"):
        create_insight(session, as_role(project, "contributor"), statement="x" * 1_000_000)


def test_edits_keep_tags_and_teams_and_record_what_changed(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    with kdb.session() as session:
        teams = {t.name: t.id for t in ensure_default_teams(session, project)}
        insight_id = create_insight(
            session, writer, statement="a", tags=["form"], team_ids=[teams["tech"]]
        ).id
    with kdb.session() as session:
        update_insight(
            session,
            writer,
            insight_id,
            statement="b",
            tags=["form", "UX"],
            team_ids=[teams["tech"], teams["support"]],
        )
    with kdb.session() as session:
        insight = get_insight(session, project, insight_id)
        assert (insight.statement, insight.tags) == ("b", ["form", "ux"])
        assert insight.team_ids == sorted([teams["tech"], teams["support"]])
        change = history_of(session, project, "insight", insight_id)[-1]
        assert change.changes["statement"] == ["a", "b"]
        assert change.changes["tags"] == [["form"], ["form", "ux"]]
