"""Shared fixtures: a data dir with a project, a live server on loopback (thread or process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from launchloop.config import Settings, load_settings
from launchloop.knowledge.database import Database, make_engine
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.store.base import EventStore, open_store


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll ``url/healthz`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not come up")


@dataclass
class Server:
    """A launchloop server on loopback and the project made for the test."""

    url: str
    project: NewProject
    settings: Settings

    def api(self) -> httpx.Client:
        """An HTTP client with the project's secret token."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.project.secret_token}"},
            timeout=30,
        )


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of an empty embedded data dir; parametrize indirectly with a dict to override."""
    overrides = getattr(request, "param", None) or {}
    return load_settings(data_dir=tmp_path / "data", **overrides)


@pytest.fixture
def project(settings: Settings) -> NewProject:
    """A project in the data dir of ``settings`` (migrated)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        made = create_project(session, name="Test product")
    database.dispose()
    return made


@pytest.fixture
def server(settings: Settings, project: NewProject) -> Iterator[Server]:
    """The app served by uvicorn in a thread of the test process, on a free loopback port."""
    from launchloop.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    yield Server(url, project, settings)
    running.should_exit = True
    thread.join(timeout=30)


def start_server_process(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """``launchloop serve`` as a separate process (for crash tests)."""
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(settings.data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "launchloop", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards).

    Under CI a missing server fails the test: scripts/test starts one, so it must be there.
    """
    import uuid

    import psycopg

    base = os.environ.get(
        "LAUNCHLOOP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable (scripts/test starts it): {error}")
    name = f"ll_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty knowledge database, SQLite then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/m.db"
    else:
        url = request.getfixturevalue("postgres_url")
    made = make_engine(url)
    yield made
    made.dispose()


#: The event stores that store-parametrized tests run on (DESIGN.md: same numbers on both).
EVENT_STORES = ("duckdb", "chdb")


def event_store_url(kind: str, folder: Path) -> str:
    """The URL of an empty event store of ``kind`` inside ``folder``."""
    if kind == "duckdb":
        return f"duckdb:///{folder / 'events.duckdb'}"
    return f"chdb:///{folder / 'events.chdb'}"


@pytest.fixture(params=EVENT_STORES)
def event_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """An empty event store, once per engine (chdb: one open store per process at a time)."""
    store = open_store(event_store_url(request.param, tmp_path))
    try:
        yield store
    finally:
        store.close()
