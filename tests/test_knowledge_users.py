"""Users who sign in: migration 0003 (SQLite, PostgreSQL), argon2 passwords, memberships, CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from launchloop.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from launchloop.knowledge.database import Database, alembic_config, make_engine, migrate
from launchloop.knowledge.models import Member
from launchloop.knowledge.projects import create_project
from launchloop.knowledge.users import (
    add_user_to_project,
    authenticate,
    caller_for_user,
    create_user,
    memberships,
    set_language,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database, SQLite then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/u.db"
    else:
        url = request.getfixturevalue("postgres_url")
    made = make_engine(url)
    yield made
    made.dispose()


def test_0003_upgrades_from_empty_keeps_members_and_goes_down(engine: Engine) -> None:
    migrate(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (id, name, time_zone, public_key, created_at, updated_at) "
                "VALUES (3, 'p', 'UTC', 'llpk_u', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO members (project_id, name, email, role, author, "
                "created_at, updated_at) "
                "VALUES (3, 'Ana', 'ana@example.com', 'decider', '', '2026-01-01', '2026-01-01')"
            )
        )
    migrate(engine)
    assert "users" in inspect(engine).get_table_names()
    assert "user_id" in {c["name"] for c in inspect(engine).get_columns("members")}
    with Session(engine) as session:
        user = create_user(session, email="Ana@Example.com", password="pw", name="Ana")
        member = add_user_to_project(session, user, 3, role="admin")
        session.commit()
        assert (member.name, member.role, member.user_id) == ("Ana", "admin", user.id)
        assert session.query(Member).count() == 1
    command.downgrade(alembic_config(engine), "0002")
    assert "users" not in inspect(engine).get_table_names()
    assert "user_id" not in {c["name"] for c in inspect(engine).get_columns("members")}
    migrate(engine)
    assert "users" in inspect(engine).get_table_names()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A session on a fresh migrated SQLite knowledge database."""
    database = Database(f"sqlite:///{tmp_path}/k.db")
    database.migrate()
    with database.session() as opened:
        yield opened
    database.dispose()


def test_password_is_argon2_hashed_and_checked(session: Session) -> None:
    user = create_user(session, email=" Bo@Example.com ", password="s3cret", language="fr")
    assert user.email == "bo@example.com" and user.name == "bo" and user.language == "fr"
    assert user.password_hash.startswith("$argon2id$") and "s3cret" not in user.password_hash
    assert authenticate(session, "BO@example.com", "s3cret").id == user.id
    with pytest.raises(Unauthorized):
        authenticate(session, "bo@example.com", "wrong")
    with pytest.raises(Unauthorized):
        authenticate(session, "nobody@example.com", "s3cret")


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", "x", "email"), ("a@b.c", "", "password"), ("dup@x.io", "x", "email")],
)
def test_bad_users_are_refused_with_the_field(
    session: Session, email: str, password: str, field: str
) -> None:
    create_user(session, email="dup@x.io", password="x")
    with pytest.raises(InvalidInput) as refused:
        create_user(session, email=email, password=password)
    assert refused.value.field == field


def test_memberships_and_callers(session: Session) -> None:
    shop = create_project(session, name="Shop")
    blog = create_project(session, name="Blog")
    user = create_user(session, email="cy@x.io", password="pw", name="Cy")
    other = create_user(session, email="cy2@x.io", password="pw", name="Cy")
    add_user_to_project(session, user, shop.id, role="viewer")
    add_user_to_project(session, user, shop.id, role="decider")  # changes the role, one member
    add_user_to_project(session, user, blog.id, role="admin")
    second = add_user_to_project(session, other, shop.id, role="viewer")
    assert second.name == "Cy (cy2@x.io)"
    found = memberships(session, user.id)
    assert [(m.project_name, m.role) for m in found] == [("Blog", "admin"), ("Shop", "decider")]
    caller = caller_for_user(session, user.id, shop.id)
    assert (caller.project_id, caller.role, caller.author) == (shop.id, "decider", "Cy")
    with pytest.raises(Forbidden):
        caller_for_user(session, other.id, blog.id)
    with pytest.raises(NotFound):
        add_user_to_project(session, user, 999, role="viewer")
    with pytest.raises(InvalidInput):
        add_user_to_project(session, user, blog.id, role="owner")
    set_language(session, user, "fr")
    assert user.language == "fr"


def test_cli_user_create_makes_an_admin_who_signs_in(tmp_path: Path) -> None:
    data = str(tmp_path / "d")

    def launchloop(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "launchloop", *args, "--data-dir", data],
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = orjson.loads(launchloop("init", "--json").stdout)
    done = launchloop(
        "user", "create", "ed@x.io", "--name", "Ed", "--password", "pw", "--project",
        str(made["id"]), "--role", "admin", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["role"] == "admin"
    again = launchloop("user", "create", "ed@x.io", "--password", "pw")
    assert again.returncode == 2 and "already exists" in again.stderr
    database = Database(f"sqlite:///{data}/launchloop.db")
    with database.session() as session:
        user = authenticate(session, "ed@x.io", "pw")
        assert caller_for_user(session, user.id, made["id"]).role == "admin"
    database.dispose()
