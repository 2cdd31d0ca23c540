"""The instance operator (issue 12): only an operator token backs up the whole instance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from launchloop.cli import app, register_commands
from launchloop.config import Settings
from launchloop.knowledge.database import Database, alembic_config, migrate
from launchloop.knowledge.projects import NewProject, create_project, hash_token, is_operator_token
from launchloop.web.app import create_app


def _add_token(engine: Engine, token: str, project_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_tokens (project_id, label, token_hash, role, created_at, "
                "updated_at) VALUES (:p, :label, :hash, 'admin', '2026-01-01', '2026-01-01')"
            ),
            {"p": project_id, "label": token, "hash": hash_token(token)},
        )


def test_migration_0008_makes_the_oldest_token_the_operators(engine: Engine) -> None:
    migrate(engine, "0007")
    with engine.begin() as connection:
        for number in (71, 72):  # ids past the sequence (PostgreSQL) of the project made below
            connection.execute(
                text(
                    "INSERT INTO projects (id, name, time_zone, public_key, created_at, "
                    "updated_at) VALUES (:id, 'p', 'UTC', :key, '2026-01-01', '2026-01-01')"
                ),
                {"id": number, "key": f"llpk_{number}"},
            )
    _add_token(engine, "llsk_init", 71)
    _add_token(engine, "llsk_later", 71)
    _add_token(engine, "llsk_other_project", 72)
    migrate(engine)
    with Session(engine) as session:
        assert is_operator_token(session, "llsk_init")
        assert not is_operator_token(session, "llsk_later")
        assert not is_operator_token(session, "llsk_other_project")
        newer = create_project(session, name="third")  # not the instance's first token
        assert not is_operator_token(session, newer.secret_token)
        session.commit()
    command.downgrade(alembic_config(engine), "0007")
    migrate(engine)


def test_the_first_project_of_an_instance_holds_the_operator_token(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    with database.session() as session:
        first = create_project(session, name="first")
        second = create_project(session, name="second")
    with database.session() as session:
        assert is_operator_token(session, first.secret_token)
        assert not is_operator_token(session, second.secret_token)
        assert not is_operator_token(session, None)
    database.dispose()


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process on the data dir of the test project (the instance's first)."""
    with TestClient(create_app(settings)) as made:
        yield made


def _backup(client: TestClient, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/admin/backup", headers=headers).status_code


def test_a_project_admin_is_not_an_instance_operator(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Another team")
    database.dispose()
    admin = {"Authorization": f"Bearer {project.secret_token}"}
    made = client.post("/api/v1/tokens", json={"label": "admin", "role": "admin"}, headers=admin)
    assert made.status_code == 201, made.text
    assert _backup(client, None) == 401
    assert _backup(client, "llsk_nope") == 401
    assert _backup(client, other.secret_token) == 403  # the admin of another project
    assert _backup(client, made.json()["token"]) == 403  # an admin of the operator's project
    assert not (settings.data_dir / "backups").exists()
    assert _backup(client, project.secret_token) == 201
    assert len(list((settings.data_dir / "backups").iterdir())) == 1
    token_id = client.get("/api/v1/tokens", headers=admin).json()[-1]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=admin).status_code == 200
    assert _backup(client, project.secret_token) == 401  # revoked: the right goes with it


def test_cli_makes_an_operator_token(settings: Settings, project: NewProject) -> None:
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Another team")
    register_commands()
    data = ["--data-dir", str(settings.data_dir), "--project", str(other.id), "--json"]
    runner = CliRunner()
    plain = runner.invoke(app, ["project", "token", "create", "ci", "--role", "admin", *data])
    made = runner.invoke(app, ["project", "token", "create", "ops", "--operator", *data])
    assert plain.exit_code == 0 and made.exit_code == 0, plain.output + made.output
    token = json.loads(made.output)
    assert token["role"] == "admin" and token["operator"] is True
    with database.session() as session:
        assert is_operator_token(session, token["token"])
        assert not is_operator_token(session, json.loads(plain.output)["token"])
    database.dispose()
    listed = runner.invoke(app, ["project", "token", "list", *data])
    assert [row["operator"] for row in json.loads(listed.output)] == [True, False, False]
