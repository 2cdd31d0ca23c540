"""Migrations of the knowledge base: from empty, from 0001, down again; models match them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from launchloop.knowledge.database import alembic_config, migrate
from launchloop.knowledge.models import Base
from launchloop.knowledge.projects import create_project, hash_token
from launchloop.knowledge.roles import caller_for_token

KNOWLEDGE_TABLES = {"insights", "evidence", "actions", "experiments", "learnings", "members"}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_from_empty_to_head_the_schema_matches_the_models(engine: Engine) -> None:
    migrate(engine)
    assert _tables(engine) >= KNOWLEDGE_TABLES
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The search objects of migration 0004 live outside the models (FTS5 table, GIN indexes).
    assert [d for d in differences if not _search_object(d)] == []


def _search_object(difference: tuple[object, ...]) -> bool:
    name = str(getattr(difference[1], "name", ""))
    return name.startswith("knowledge_fts") or name.endswith("_search")


def test_from_0001_existing_tokens_become_admins_and_down_again(engine: Engine) -> None:
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (id, name, time_zone, public_key, created_at, updated_at) "
                "VALUES (7, 'p', 'UTC', 'llpk_x', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (project_id, label, token_hash, created_at, updated_at) "
                "VALUES (7, 'old', :hash, '2026-01-01', '2026-01-01')"
            ),
            {"hash": hash_token("llsk_old")},
        )
    migrate(engine)
    with Session(engine) as session:
        caller = caller_for_token(session, "llsk_old")
        assert (caller.project_id, caller.role, caller.author) == (7, "admin", "old")
        made = create_project(session, name="new")
        assert caller_for_token(session, made.secret_token).role == "admin"
        session.commit()
    command.downgrade(alembic_config(engine), "0001")
    assert not KNOWLEDGE_TABLES & _tables(engine)
    assert "role" not in {c["name"] for c in inspect(engine).get_columns("api_tokens")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 2
    migrate(engine)
    assert _tables(engine) >= KNOWLEDGE_TABLES
