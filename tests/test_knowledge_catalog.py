"""KPIs and launches kept in the knowledge base: validated writes, launchloop.toml sync, teams,
tokens and drafting an insight from a signal (the services the web app used to glue)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from launchloop.analytics.catalog import Catalog
from launchloop.analytics.kpis import Kpi as KpiDefinition
from launchloop.analytics.launches import Launch as LaunchDefinition
from launchloop.config import Settings
from launchloop.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from launchloop.knowledge.database import Database
from launchloop.knowledge.history import history_of
from launchloop.knowledge.insights import draft_insight_from_signal
from launchloop.knowledge.launches import (
    catalog_of,
    create_kpi,
    kpi_definition,
    kpi_named,
    list_kpis,
    sync_declarations,
)
from launchloop.knowledge.models import Kpi, Team
from launchloop.knowledge.projects import (
    NewProject,
    create_project,
    list_tokens,
    project_for_token,
    revoke_token,
)
from launchloop.knowledge.signals import create_signal
from launchloop.knowledge.teams import DEFAULT_TEAMS, list_teams
from launchloop.runtime import open_runtime
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]

SIGNUPS = KpiDefinition("signups", "count", ("signed_up",), owner_team="marketing", target=3.0)
FRICTION = KpiDefinition("friction", "friction_rate", direction="down", owner_team="tech")
LAUNCH = LaunchDefinition("onboarding v2", date(2026, 11, 10), ("signups", "friction"))


def test_a_new_project_has_the_default_teams(kdb: Database) -> None:
    with kdb.session() as session:
        made = create_project(session, name="Fresh")
        names = [team.name for team in list_teams(session, made.id)]
    assert names == list(DEFAULT_TEAMS) == ["product", "marketing", "support", "tech"]


def test_sync_upserts_by_name_and_reads_back_as_the_analytics_catalog(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session:
        kept = sync_declarations(session, project, Catalog((SIGNUPS, FRICTION), (LAUNCH,)))
    assert kept.kpis == (FRICTION, SIGNUPS)  # by name
    assert kept.launches == (
        LaunchDefinition("onboarding v2", date(2026, 11, 10), ("friction", "signups")),
    )
    moved = KpiDefinition("signups", "unique", ("signed_up",), owner_team="product", target=5.0)
    with kdb.session() as session:
        again = sync_declarations(session, project, Catalog((moved,), ()))
        rows = list_kpis(session, project)
        team = session.get(Team, kpi_named(session, project, "signups").owner_team_id)
        history = history_of(session, project, "kpi", kpi_named(session, project, "signups").id)
    assert [row.name for row in rows] == ["friction", "signups"]  # updated, not duplicated
    assert again.kpi("signups") == moved and team is not None and team.name == "product"
    assert [change.verb for change in history] == ["created", "updated"]
    assert history[-1].changes["kind"] == ["count", "unique"]
    with kdb.session() as session:  # the same declaration twice changes nothing
        sync_declarations(session, project, Catalog((moved,), ()))
        row = kpi_named(session, project, "signups")
        assert len(history_of(session, project, "kpi", row.id)) == 2


def test_a_launch_links_exactly_the_kpis_it_lists(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session:
        sync_declarations(session, project, Catalog((SIGNUPS, FRICTION), (LAUNCH,)))
        fewer = LaunchDefinition(LAUNCH.name, date(2026, 11, 11), ("signups",))
        kept = sync_declarations(session, project, Catalog((), (fewer,)))
    assert kept.launches == (fewer,)
    with kdb.session() as session, pytest.raises(InvalidInput, match="no KPI named 'nope'"):
        bad = LaunchDefinition("other", date(2026, 11, 1), ("nope",))
        sync_declarations(session, project, Catalog((), (bad,)))


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"name": "completion", "kind": "funnel_conversion", "events": ["a"]}, "events"),
        ({"name": "ratio", "kind": "ratio", "events": ["a"]}, "denominator"),
        ({"name": "x", "kind": "nps"}, "kind"),
        ({"name": "x", "kind": "count", "events": ["a"], "steps": ["a"]}, "steps"),
        ({"name": "x", "kind": "count", "events": ["a"], "window_days": 0}, "window_days"),
    ],
)
def test_kpi_writes_go_through_the_definition_validation(
    kdb: Database, definition: dict[str, object], field: str
) -> None:
    project = new_project(kdb)
    with kdb.session() as session, pytest.raises(InvalidInput) as refused:
        create_kpi(session, as_role(project, "contributor"), definition)
    assert refused.value.field == field
    with kdb.session() as session:
        assert list_kpis(session, project) == []


def test_kpi_writes_need_a_writer_and_a_fresh_name(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session, pytest.raises(Forbidden):
        create_kpi(session, as_role(project, "viewer"), SIGNUPS)
    with kdb.session() as session:
        create_kpi(session, as_role(project, "contributor"), SIGNUPS)
    with kdb.session() as session, pytest.raises(InvalidInput, match="already exists"):
        create_kpi(session, as_role(project, "contributor"), SIGNUPS)


def test_a_stored_kpi_that_no_longer_validates_is_left_out_of_the_catalog(kdb: Database) -> None:
    project = new_project(kdb)
    with kdb.session() as session:
        create_kpi(session, as_role(project, "admin"), SIGNUPS)
        session.add(Kpi(project_id=project, author="old", name="legacy", kind="nps"))
    with kdb.session() as session:
        legacy = kpi_named(session, project, "legacy")
        with pytest.raises(InvalidInput):
            kpi_definition(session, legacy)
        assert [k.name for k in catalog_of(session, project).kpis] == ["signups"]


def test_open_runtime_syncs_launchloop_toml_into_every_project(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "launchloop.toml"
    config.write_text(
        '[[kpis]]\nname = "signups"\nkind = "count"\nevent = "signed_up"\nowner = "marketing"\n'
        '[[launches]]\nname = "v2"\ndate = 2026-11-10\nkpis = ["signups"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LAUNCHLOOP_CONFIG", str(config))
    runtime = open_runtime(settings)  # no project yet: nothing to sync into
    with runtime.database.session() as session:
        ids = [create_project(session, name=name).id for name in ("A", "B")]
    runtime.close()
    runtime = open_runtime(settings)
    try:
        with runtime.database.session() as session:
            catalogs = [catalog_of(session, project) for project in ids]
    finally:
        runtime.close()
    assert [c.kpi("signups").owner_team for c in catalogs] == ["marketing", "marketing"]
    assert [c.launch("v2").kpis for c in catalogs] == [("signups",), ("signups",)]


def test_a_signal_becomes_a_draft_insight_citing_it(kdb: Database) -> None:
    project = new_project(kdb)
    writer = as_role(project, "contributor")
    other = new_project(kdb, "Other")
    with kdb.session() as session:
        team = session.scalar(select(Team.id).where(Team.project_id == project))
        signal = create_signal(
            session, writer, kind="funnel_drop", text="Step 2 dropped", team_id=team
        )
        session.flush()
        insight = draft_insight_from_signal(session, writer, signal.id)
        got = (insight.status, insight.statement, insight.team_ids)
        evidence = [(e.kind, e.signal_id) for e in insight.evidence]
        assert got == ("draft", "Step 2 dropped", [team])
        assert evidence == [("signal", signal.id)]
        signal_id = signal.id
    with kdb.session() as session, pytest.raises(NotFound):
        draft_insight_from_signal(session, as_role(other, "admin"), signal_id)
    with kdb.session() as session, pytest.raises(Forbidden):
        draft_insight_from_signal(session, as_role(project, "viewer"), signal_id)


def test_revoking_a_token_needs_an_admin_of_its_project(kdb: Database) -> None:
    with kdb.session() as session:
        made = create_project(session, name="P")
        other = create_project(session, name="Q")
        token_id = list_tokens(session, made.id)[0].id
    with kdb.session() as session, pytest.raises(Forbidden):
        revoke_token(session, as_role(made.id, "decider"), token_id)
    with kdb.session() as session, pytest.raises(NotFound):
        revoke_token(session, as_role(other.id, "admin"), token_id)
    with kdb.session() as session:
        assert project_for_token(session, made.secret_token) == made.id
        first = revoke_token(session, as_role(made.id, "admin"), token_id).revoked_at
        assert first is not None
    with kdb.session() as session:
        again = revoke_token(session, as_role(made.id, "admin"), token_id).revoked_at
        assert again is not None and again.replace(tzinfo=None) == first.replace(tzinfo=None)
        with pytest.raises(Unauthorized):
            project_for_token(session, made.secret_token)


def test_cli_kpi_sync_tokens_and_signal_insight(
    settings: Settings, project: NewProject, tmp_path: Path
) -> None:
    config = tmp_path / "launchloop.toml"
    config.write_text('[[kpis]]\nname = "signups"\nkind = "count"\nevent = "signed_up"\n')
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(settings.data_dir)}

    def cli(*args: str, config_file: Path | None = None) -> Any:
        extra = {"LAUNCHLOOP_CONFIG": str(config_file)} if config_file else {}
        ran = subprocess.run(
            [sys.executable, "-m", "launchloop", *args, "--json"],
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr
        return json.loads(ran.stdout)

    env["LAUNCHLOOP_CONFIG"] = str(tmp_path / "none.toml")
    assert cli("kpi", "list") == []
    synced = cli("kpi", "sync", config_file=config)
    assert synced == {"projects": 1, "kpis": 1, "launches": 0}
    assert [k["name"] for k in cli("kpi", "list")] == ["signups"]  # kept without the file
    made = cli("project", "token", "create", "ci", "--role", "viewer")
    listed = cli("project", "token", "list")
    assert [(t["label"], t["role"], t["revoked_at"]) for t in listed][:1] == [
        ("ci", "viewer", None)
    ]
    revoked = cli("project", "token", "revoke", str(listed[0]["id"]))
    assert revoked["revoked_at"] is not None
    database = Database(settings.resolved_database_url)
    with database.session() as session, pytest.raises(Unauthorized):
        project_for_token(session, made["token"])
    database.dispose()
    signal = cli("signal", "add", "observation", "Nobody finds export")
    drafted = cli("signal", "insight", str(signal["id"]))
    assert (drafted["statement"], drafted["status"]) == ("Nobody finds export", "draft")
    assert [(e["kind"], e["signal_id"]) for e in drafted["evidence"]] == [("signal", signal["id"])]
