"""The web session secret: a setting (env var or launchloop.toml), shared by server processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from subprocess import DEVNULL, Popen

import httpx
import pytest

from launchloop.config import Settings, load_settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.web.ui.session import session_secret
from tests.conftest import free_port, wait_until_up
from tests.web_ui_fixtures import Person, csrf_of, make_user

SECRET = "a shared secret of the scaled-out deployment, 48 characters long"
COOKIE = "launchloop_session"


def test_the_env_var_sets_the_secret_and_it_is_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAUNCHLOOP_SESSION_SECRET", SECRET)
    settings = load_settings(data_dir=tmp_path)
    assert session_secret(settings) == SECRET
    assert not (tmp_path / "session_secret").exists()
    for shown in (str(settings), repr(settings), settings.model_dump_json()):
        assert SECRET not in shown
    assert SECRET not in str(settings.model_dump())


def test_launchloop_toml_sets_the_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAUNCHLOOP_SESSION_SECRET", raising=False)
    toml = tmp_path / "launchloop.toml"
    toml.write_text(f'session_secret = "{SECRET}"\n')
    monkeypatch.setenv("LAUNCHLOOP_CONFIG", str(toml))
    assert session_secret(load_settings(data_dir=tmp_path)) == SECRET
    monkeypatch.setenv("LAUNCHLOOP_SESSION_SECRET", "the env var wins")
    assert session_secret(load_settings(data_dir=tmp_path)) == "the env var wins"


def test_without_the_setting_a_secret_is_kept_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAUNCHLOOP_SESSION_SECRET", raising=False)
    monkeypatch.setenv("LAUNCHLOOP_CONFIG", str(tmp_path / "absent.toml"))
    first = session_secret(load_settings(data_dir=tmp_path / "a"))
    assert first == (tmp_path / "a" / "session_secret").read_text().strip()
    assert len(first) >= 32
    assert session_secret(load_settings(data_dir=tmp_path / "a")) == first
    assert session_secret(load_settings(data_dir=tmp_path / "b")) != first


def _start(data_dir: Path, database_url: str, env: dict[str, str]) -> tuple[Popen[bytes], str]:
    """``launchloop serve`` in its own process, with ``env`` added; the process and its URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "LAUNCHLOOP_SESSION_SECRET"}
    environment |= {"LAUNCHLOOP_DATA_DIR": str(data_dir), "LAUNCHLOOP_DATABASE_URL": database_url}
    process = Popen(
        [sys.executable, "-m", "launchloop", "serve", "--port", str(port)],
        env=environment | env,
        stdout=DEVNULL,
        stderr=DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


def _signed_in_cookie(url: str, person: Person) -> str:
    """The session cookie that the server at ``url`` sets when ``person`` signs in."""
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as client:
        token = csrf_of(client.get("/sign-in").text)
        form = {"email": person.email, "password": person.password, "csrf_token": token}
        assert client.post("/sign-in", data=form).status_code == 303
        return str(client.cookies[COOKIE])


def _projects_page(url: str, cookie: str) -> str:
    """Where ``/app`` sends the bearer of ``cookie``: a dashboard when signed in."""
    answer = httpx.get(f"{url}/app", cookies={COOKIE: cookie}, timeout=60)
    assert answer.status_code == 303
    return answer.headers["location"]


def test_a_session_signed_by_one_process_is_accepted_by_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAUNCHLOOP_SESSION_SECRET", raising=False)
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = load_settings(data_dir=tmp_path / "setup", database_url=database_url)
    project = _project(settings)
    person = make_user(settings, project)
    toml = tmp_path / "launchloop.toml"
    toml.write_text(f'session_secret = "{SECRET}"\n')
    servers = [
        _start(tmp_path / "one", database_url, {"LAUNCHLOOP_SESSION_SECRET": SECRET}),
        _start(tmp_path / "two", database_url, {"LAUNCHLOOP_CONFIG": str(toml)}),
        _start(tmp_path / "three", database_url, {}),  # its own secret, in its data dir
    ]
    try:
        by_env, by_toml, own_file = (url for _, url in servers)
        for url in (by_env, by_toml, own_file):
            wait_until_up(url, timeout=120)
        cookie = _signed_in_cookie(by_env, person)
        dashboard = f"/app/{project.id}/dashboard"
        assert _projects_page(by_env, cookie) == dashboard
        assert _projects_page(by_toml, cookie) == dashboard
        assert _projects_page(own_file, cookie).startswith("/sign-in")
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=60)


def _project(settings: Settings) -> NewProject:
    """A project in the knowledge database of ``settings`` (migrated)."""
    settings.data_dir.mkdir(parents=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        made = create_project(session, name="Shared")
    database.dispose()
    return made
