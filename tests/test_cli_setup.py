"""init, project, demo and serve, driven as a user would, in subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from tests.conftest import free_port, wait_until_up


def launchloop(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launchloop", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_init_prints_keys_once_and_refuses_twice(tmp_path: Path) -> None:
    done = launchloop("init", "--data-dir", str(tmp_path / "d"), "--json", "--name", "Shop")
    assert done.returncode == 0, done.stderr
    made = orjson.loads(done.stdout)
    assert made["name"] == "Shop"
    assert made["public_key"].startswith("llpk_")
    assert made["secret_token"].startswith("llsk_")
    assert (tmp_path / "d" / "launchloop.db").exists()

    again = launchloop("init", "--data-dir", str(tmp_path / "d"))
    assert again.returncode == 2
    assert "already initialized" in again.stderr


def test_project_create_and_list(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    launchloop("init", "--data-dir", data)
    created = orjson.loads(
        launchloop("project", "create", "Blog", "--data-dir", data, "--json").stdout
    )
    listed = orjson.loads(launchloop("project", "list", "--data-dir", data, "--json").stdout)
    assert [p["name"] for p in listed] == ["My product", "Blog"]
    assert listed[1]["public_key"] == created["public_key"]


def test_every_command_has_help() -> None:
    for command in ("init", "serve", "demo", "project", "events"):
        shown = launchloop(command, "--help")
        assert shown.returncode == 0 and "Usage" in shown.stdout, command


def test_demo_seeds_once_and_serves(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launchloop",
            "demo",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            "--persons",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        lines = []
        assert process.stdout is not None
        while not any("secret API token" in line for line in lines):
            lines.append(process.stdout.readline())
        output = "".join(lines)
        seeded = int(re.search(r"(\d+) events seeded now", output).group(1))  # type: ignore[union-attr]
        token = re.search(r"(llsk_\S+)", output).group(1)  # type: ignore[union-attr]
        events = httpx.get(
            f"{url}/api/v1/events?limit=10000", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert seeded > 60 and len(events) == seeded
        assert {"$pageview", "signup_started"} <= {e["event"] for e in events}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    again = launchloop("demo", "--data-dir", str(data), "--no-serve", "--persons", "60")
    assert "0 events seeded now" in again.stdout
