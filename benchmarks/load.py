"""Mixed load against `launchloop serve`: ingestion from 50 clients, queries, KPIs, feedback.

Run: ``.venv/bin/python -m benchmarks.load --duration 600`` (default 10 minutes). The script
starts its own server on a fresh data dir on 127.0.0.1, and writes a ``## Load`` section
into docs/benchmarks.md. Every request goes to loopback; the count is bounded by the duration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.report import machine, write_section
from launchloop.config import load_settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject, create_project

CLIENTS = 50
BATCH = 100
READERS = 4
FEEDBACK_WRITERS = 2
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


class Tally:
    """Latencies per request kind, status counts, events sent, RSS samples."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.events = 0
        self.rss: list[tuple[float, float]] = []

    def record(self, kind: str, started: float, status: int) -> None:
        """Note one answered (or failed, status 0) request."""
        self.latencies[kind].append(time.perf_counter() - started)
        self.statuses[(kind, status)] += 1


def free_port() -> int:
    """A loopback TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_project(data_dir: Path) -> NewProject:
    """A migrated data dir with one project."""
    settings = load_settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        made = create_project(session, name="Load")
    database.dispose()
    return made


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


async def call(client: httpx.AsyncClient, tally: Tally, kind: str, **request: Any) -> None:
    """One request, timed and tallied (transport errors count as status 0)."""
    started = time.perf_counter()
    try:
        answer = await client.request(**request)
        tally.record(kind, started, answer.status_code)
    except httpx.HTTPError:
        tally.record(kind, started, 0)


async def ingest_client(client: httpx.AsyncClient, tally: Tally, key: str, until: float) -> None:
    """One simulated app: batches of events for a few users, back to back."""
    users = [f"user-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    number = 0
    while time.monotonic() < until:
        now = datetime.now(UTC)
        events = [
            {
                "event": ("pageview", "signup", "purchase")[i % 3],
                "distinct_id": users[(number + i) % len(users)],
                "uuid": str(uuid.uuid4()),
                "timestamp": (now - timedelta(seconds=i)).isoformat(),
                "properties": {"plan": ("free", "pro")[i % 2], "n": number},
            }
            for i in range(BATCH)
        ]
        body = {"api_key": key, "events": events}
        await call(client, tally, "ingest", method="POST", url="/api/v1/events", json=body)
        tally.events += BATCH
        number += 1


async def reader(client: httpx.AsyncClient, tally: Tally, until: float) -> None:
    """A dashboard: trends, funnel and KPI list in turn."""
    today = date.today()
    span = {"date_from": str(today - timedelta(days=7)), "date_to": str(today)}
    funnel = {**span, "steps": [{"event": "pageview"}, {"event": "purchase"}]}
    while time.monotonic() < until:
        trends = {**span, "event": "pageview", "breakdown": {"key": "plan"}}
        await call(client, tally, "trends", method="POST", url="/api/v1/query/trends", json=trends)
        await call(client, tally, "funnel", method="POST", url="/api/v1/query/funnel", json=funnel)
        await call(client, tally, "kpis", method="GET", url="/api/v1/kpis")


async def feedback_writer(client: httpx.AsyncClient, tally: Tally, until: float) -> None:
    """Support tickets posted one small batch at a time."""
    while time.monotonic() < until:
        rows = [
            {"kind": "support_ticket", "text": f"Export fails on {uuid.uuid4().hex[:6]}"}
            for _ in range(5)
        ]
        await call(client, tally, "feedback", method="POST", url="/api/v1/feedback", json=rows)
        await asyncio.sleep(0.2)


async def sample_rss(pid: int, tally: Tally, start: float, until: float) -> None:
    """Server RSS every 5 s."""
    while time.monotonic() < until:
        tally.rss.append((time.monotonic() - start, rss_mib(pid)))
        await asyncio.sleep(5)


async def drive(url: str, project: NewProject, pid: int, duration: float) -> Tally:
    """All the simulated clients at once, for ``duration`` seconds."""
    tally = Tally()
    start = time.monotonic()
    until = start + duration
    auth = {"Authorization": f"Bearer {project.secret_token}"}
    limits = httpx.Limits(max_connections=CLIENTS + READERS + FEEDBACK_WRITERS + 4)
    async with (
        httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as public,
        httpx.AsyncClient(base_url=url, timeout=60, headers=auth, limits=limits) as secret,
    ):
        tasks = [ingest_client(public, tally, project.public_key, until) for _ in range(CLIENTS)]
        tasks += [reader(secret, tally, until) for _ in range(READERS)]
        tasks += [feedback_writer(secret, tally, until) for _ in range(FEEDBACK_WRITERS)]
        tasks.append(sample_rss(pid, tally, start, until))
        await asyncio.gather(*tasks)
    return tally


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`launchloop serve` on loopback; waits until /healthz answers."""
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "launchloop", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not come up")


def report(tally: Tally, duration: float) -> str:
    """The ``## Load`` section: throughput, latency percentiles, statuses, RSS over time."""
    lines = [
        "## Load",
        "",
        f"`.venv/bin/python -m benchmarks.load --duration {duration:g}` — {machine('duckdb')}.",
        f"{CLIENTS} ingestion clients (batches of {BATCH}), {READERS} dashboard readers "
        f"(trends, funnel, KPIs), {FEEDBACK_WRITERS} feedback writers, {duration:g} s.",
        "",
        f"Events sent: {tally.events:,} ({tally.events / duration:,.0f} events/s offered).",
        "",
        "| kind | requests | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, values in sorted(tally.latencies.items()):
        p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99])
        lines.append(
            f"| {kind} | {len(values):,} | {len(values) / duration:,.1f} "
            f"| {p50:,.0f} | {p95:,.0f} | {p99:,.0f} |"
        )
    lines += ["", "Statuses (0 = transport error):", ""]
    for (kind, status), count in sorted(tally.statuses.items()):
        lines.append(f"- {kind} {status}: {count:,}")
    rss = ", ".join(
        f"{at:.0f}s {mib:.0f}" for at, mib in tally.rss[:: max(len(tally.rss) // 12, 1)]
    )
    lines += ["", f"Server RSS (MiB) over time: {rss}.", ""]
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run the load, print and record the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ll-load-") as folder:
        data_dir = Path(folder) / "data"
        project = make_project(data_dir)
        port = free_port()
        server = start_server(data_dir, port)
        try:
            url = f"http://127.0.0.1:{port}"
            tally = asyncio.run(drive(url, project, server.pid, options.duration))
        finally:
            server.terminate()
            server.wait(timeout=60)
    text = report(tally, options.duration)
    print(text)
    if not options.no_write:
        write_section(DOC, text)


if __name__ == "__main__":
    main()
