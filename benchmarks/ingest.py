"""Ingestion benchmark: HTTP capture with durable acknowledgements against the in-process writer.

Run: ``.venv/bin/python benchmarks/ingest.py [--events N] [--clients C] [--out docs/benchmarks.md]``

1. In process: decode each 100-event native body, ``prepare()`` it and hand it to the
   ``GroupWriter`` of an on-disk DuckDB store (a window of batches in flight, so the writer can
   group commits the way it does behind the server), plus the one-commit-per-batch figure of
   ``write_sync``.
2. Over HTTP: ``launchloop serve`` in its own process on a free loopback port with a fresh data
   dir, driven by ``C`` client processes, each keeping ``--concurrency`` keep-alive requests in
   flight; sustained events/s, request latency and the server's RSS sampled every second.
3. A table on stdout, and the ``## Ingestion`` section of ``--out`` written or replaced.

Issue 2, "Performance": >= 50,000 events/s over HTTP, >= 50% of in-process, memory flat over
10M events. A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
import orjson
import psutil
from ingest_report import section  # benchmarks/ is on sys.path when run
from rawhttp import FAILURES, Connection
from report import write_section
from sample_events import BATCH, EventSource

from launchloop.config import load_settings
from launchloop.ingest.decode import decode_body
from launchloop.ingest.formats.native import read_native
from launchloop.ingest.pipeline import prepare
from launchloop.ingest.writer import GroupWriter
from launchloop.store.duckdb import DuckDBStore

# -- in process ------------------------------------------------------------------------------


@dataclass
class InProcess:
    """Events/s through decode + prepare + GroupWriter on disk (busy time, generation excluded)."""

    events: int
    grouped_eps: float
    sync_events: int
    sync_eps: float


def _run_writer(path: Path, batches: int, window: int) -> float:
    """Seconds spent decoding, preparing and committing ``batches`` bodies, ``window`` in flight."""
    source = EventSource(1, "unused")
    store = DuckDBStore(str(path), memory_limit=load_settings().duckdb_memory_limit)
    writer = GroupWriter(store)
    pending: list[Future[int]] = []
    busy = 0.0
    for _ in range(batches):
        body = source.body()
        start = time.perf_counter()
        envelope = read_native(decode_body(body, limit=5_000_000))
        prepared = prepare(envelope.events, project_id=1, max_event_bytes=1_000_000)
        pending.append(writer.submit(prepared.batch))
        if len(pending) >= window:
            pending.pop(0).result()
        busy += time.perf_counter() - start
    start = time.perf_counter()
    for future in pending:
        future.result()
    writer.close()
    store.close()
    return busy + time.perf_counter() - start


def run_in_process(events: int, sync_events: int, window: int) -> InProcess:
    """The in-process ceiling: grouped commits (``window`` batches in flight) and write_sync."""
    folder = Path(tempfile.mkdtemp(prefix="ll-bench-"))
    try:
        grouped = _run_writer(folder / "grouped.duckdb", events // BATCH, window)
        sync = _run_writer(folder / "sync.duckdb", sync_events // BATCH, 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return InProcess(events, events / grouped, sync_events, sync_events / sync)


# -- over HTTP -------------------------------------------------------------------------------


@dataclass
class ClientResult:
    """What one client process saw: per-request (finish time, latency s, status)."""

    finished: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: int = 0
    cpu_seconds: float = 0.0


async def _post(conn: Connection, body: bytes, out: ClientResult) -> None:
    """POST one batch as an SDK does: a 503 is retried after its Retry-After."""
    while True:
        start = time.perf_counter()
        try:
            status, headers, answer = await conn.request("POST", "/api/v1/events", body)
        except FAILURES:
            conn.close()
            out.statuses[0] += 1  # "0": no answer (connection reset); retried as SDKs do
            await asyncio.sleep(0.1)
            continue
        out.finished.append(time.time())
        out.latencies.append(time.perf_counter() - start)
        out.statuses[status] += 1
        if status != 503:
            break
        await asyncio.sleep(float(headers.get("retry-after", "1")))
    if status == 200:
        out.accepted += orjson.loads(answer)["accepted"]


async def _client_loop(url: str, source: EventSource, quota: list[int], out: ClientResult) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = Connection(host, int(port))
    try:
        while quota[0] > 0:
            quota[0] -= 1
            await _post(conn, source.body(), out)
    finally:
        conn.close()


async def _client_main(
    url: str, source: EventSource, requests: int, concurrency: int
) -> ClientResult:
    out, quota = ClientResult(), [requests]
    await asyncio.gather(*(_client_loop(url, source, quota, out) for _ in range(concurrency)))
    return out


def run_client(args: tuple[str, str, int, int, int, float]) -> ClientResult:
    """One client process: ``concurrency`` keep-alive connections, each a loop of batch POSTs."""
    url, key, seed, requests, concurrency, start_at = args
    source = EventSource(seed, key)
    time.sleep(max(0.0, start_at - time.time()))
    cpu = time.process_time()
    out = asyncio.run(_client_main(url, source, requests, concurrency))
    out.cpu_seconds = time.process_time() - cpu
    return out


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


class MemoryProbe:
    """Samples a process's RSS (MiB) and CPU% every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        self.process, self.interval = psutil.Process(pid), interval
        self.samples: list[tuple[float, float, float]] = []
        self.cpu_start = self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.process.cpu_percent()
        self.cpu_start = _cpu_seconds(self.process)
        while not self._stop.wait(self.interval):
            try:
                rss = self.process.memory_info().rss / 2**20
                self.samples.append((time.time(), rss, self.process.cpu_percent()))
                self.cpu_seconds = _cpu_seconds(self.process) - self.cpu_start
            except psutil.Error:
                return

    def __enter__(self) -> MemoryProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(psutil.Error):
            self.cpu_seconds = _cpu_seconds(self.process) - self.cpu_start


@dataclass
class HttpRun:
    """Sustained HTTP ingestion: throughput, latency, stored events and server memory."""

    events: int
    accepted: int
    stored: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    rss: list[tuple[float, float, float]]
    timeline: list[int]
    server_cpu: float
    client_cpu: float
    clients: int
    concurrency: int

    @property
    def eps(self) -> float:
        """Acknowledged events per second over the whole run."""
        return self.accepted / self.seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launchloop(*args: str) -> list[str]:
    return [sys.executable, "-m", "launchloop", *args]


def _start_server(data_dir: Path, port: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``launchloop init`` then ``launchloop serve``; the server process and its public key."""
    made = subprocess.run(
        _launchloop("init", "--data-dir", str(data_dir), "--json"), check=True, capture_output=True
    )
    key = json.loads(made.stdout)["public_key"]
    with log.open("wb") as sink:
        server = subprocess.Popen(
            _launchloop("serve", "--data-dir", str(data_dir), "--port", str(port)),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, key
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"launchloop serve did not come up; see {log}")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _stored(data_dir: Path) -> int:
    with duckdb.connect(str(data_dir / "events.duckdb"), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]


def _drive(
    url: str, key: str, events: int, clients: int, concurrency: int
) -> tuple[list[ClientResult], float]:
    """Run the client processes; their results and the moment they all started sending."""
    requests = events // BATCH
    shares = [requests // clients + (i < requests % clients) for i in range(clients)]
    start_at = time.time() + 2.0  # every process spawned and imported before the clock starts
    jobs = [(url, key, 1000 + i, shares[i], concurrency, start_at) for i in range(clients)]
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        return pool.map(run_client, jobs), start_at


def _timeline(finished: list[float], start_at: float, per_request: float) -> list[int]:
    """Acknowledged events per whole second of the run (the last partial second dropped)."""
    buckets = Counter(int(t - start_at) for t in finished)
    last = max(buckets, default=0)
    return [round(buckets.get(s, 0) * per_request) for s in range(last)]


def run_http(events: int, clients: int, concurrency: int, keep: bool) -> HttpRun:
    """Serve a fresh data dir in its own process and drive it from ``clients`` processes."""
    data_dir = Path(tempfile.mkdtemp(prefix="ll-bench-http-"))
    port = _free_port()
    server, key = _start_server(data_dir, port, data_dir / "server.log")
    try:
        with MemoryProbe(server.pid) as probe:
            results, start_at = _drive(
                f"http://127.0.0.1:{port}", key, events, clients, concurrency
            )
    finally:
        _stop_server(server)
    finished = [t for r in results for t in r.finished]
    accepted = sum(r.accepted for r in results)
    run = HttpRun(
        events=events,
        accepted=accepted,
        stored=_stored(data_dir),
        seconds=max(finished) - start_at,
        latencies=sorted(lat for r in results for lat in r.latencies),
        statuses=sum((r.statuses for r in results), Counter()),
        rss=[(t - start_at, rss, cpu) for t, rss, cpu in probe.samples if t >= start_at],
        timeline=_timeline(finished, start_at, accepted / max(len(finished), 1)),
        server_cpu=probe.cpu_seconds,
        client_cpu=sum(r.cpu_seconds for r in results),
        clients=clients,
        concurrency=concurrency,
    )
    if keep:
        print(f"data dir kept: {data_dir}", file=sys.stderr)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return run


def main() -> None:
    """Parse the options, run both measurements, print the table and record it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events sent over HTTP")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=32, help="connections per client")
    parser.add_argument("--inprocess-events", type=int, default=0, help="default: min(events, 1M)")
    parser.add_argument("--window", type=int, default=64, help="in-process batches in flight")
    parser.add_argument("--skip", choices=("http", "inprocess"), help="run one measurement only")
    parser.add_argument(
        "--memory-limit", default="", help="DuckDB memory_limit of both stores, e.g. 512MB"
    )
    parser.add_argument("--keep", action="store_true", help="keep the HTTP run's data dir")
    parser.add_argument("--notes", default="", help="a paragraph added under the table")
    parser.add_argument("--out", default="docs/benchmarks.md", help="'' to write nothing")
    args = parser.parse_args()
    if args.memory_limit:  # read by the in-process store and inherited by `launchloop serve`
        os.environ["LAUNCHLOOP_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    inproc_events = args.inprocess_events or min(args.events, 1_000_000)
    inproc = None
    if args.skip != "inprocess":
        inproc = run_in_process(inproc_events, min(inproc_events, 100_000), args.window)
    http = (
        None
        if args.skip == "http"
        else run_http(args.events, args.clients, args.concurrency, args.keep)
    )
    command = "python benchmarks/ingest.py " + " ".join(sys.argv[1:])
    text = section(command.strip(), inproc, http, args.notes)
    print(text)
    if args.out:
        write_section(Path(args.out), text)


if __name__ == "__main__":
    main()
