"""The ClickHouse server mode (``clickhouse://``) when the server cannot be used.

No ClickHouse server recent enough for clickhouse-connect can be installed on these machines
(docs/operations.md, "Scaling out"): these tests use a real loopback port with nothing behind it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from launchloop.store.base import open_store
from tests.conftest import free_port

PASSWORD = "pw-never-printed-7f3a"


def test_an_unreachable_server_fails_at_open_naming_it_but_not_the_password() -> None:
    port = free_port()
    with pytest.raises(ConnectionError) as raised:
        open_store(f"clickhouse://launchloop:{PASSWORD}@127.0.0.1:{port}/events")
    message = str(raised.value)
    assert f"cannot use the ClickHouse server at 127.0.0.1:{port}" in message
    assert "Connection refused" in message
    assert PASSWORD not in message
    assert PASSWORD not in str(raised.value.__cause__)


def test_serve_with_an_unreachable_server_exits_saying_which(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "LAUNCHLOOP_DATA_DIR": str(tmp_path / "data"),
        "LAUNCHLOOP_EVENTS_URL": f"clickhouse://launchloop:{PASSWORD}@127.0.0.1:{port}/events",
    }
    done = subprocess.run(
        [sys.executable, "-m", "launchloop", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert f"cannot use the ClickHouse server at 127.0.0.1:{port}" in output
    assert PASSWORD not in output
