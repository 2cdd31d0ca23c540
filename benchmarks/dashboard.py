"""Dashboard benchmark: the launch dashboard page over N events, served by ``launchloop serve``.

Run: ``.venv/bin/python benchmarks/dashboard.py [--events 10000000] [--out docs/benchmarks.md]``

1. Generates N events with ``analytics_data.py`` (8 weeks, 30 event names, sessions, merged
   anonymous ids; ``--persons`` default N/20) and bulk-loads them into the DuckDB store of a
   fresh data dir, with a project, an admin and four KPIs (a count, unique persons, the
   4-step funnel's conversion, day-7 retention).
2. Starts ``launchloop serve`` on a free loopback port, signs in through the form, and times
   ``GET /app/1/dashboard`` over the 8 weeks with the funnel steps: the first request of the
   process (cold: its queries run), ``--repeat`` requests of the same range again (the cache),
   and ``--repeat`` requests over other ranges (each a cache miss: the queries run). Then it
   sends a few events through the capture API and requests the first range every half second
   until they show: these requests are served from the cache while the server's background
   refresh recomputes it (``web/ui/dashboard_refresh.py``); the time until they show is the
   page's freshness. Then each query of an uncached page alone, in-process.
3. Prints a table and writes the ``## Dashboard`` section of ``--out``.

Issue 5: the dashboard "loads in under 300 ms with 10 million events (cache the heavy queries)".
A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyarrow.parquet as pq
from analytics_data import DAYS, START, STEPS, generate, load_store
from report import machine, write_section  # benchmarks/ is on sys.path when run

SECTION = "## Dashboard"
TARGET_EVENTS, TARGET_MS = 10_000_000, 300
EMAIL, PASSWORD = "bench@example.com", "benchmark password"
KPIS = (
    {"name": "Sign-ups", "kind": "count", "events": ["signed_up"], "target": 1000},
    {"name": "Buyers", "kind": "unique", "events": ["purchase"]},
    {"name": "Activation", "kind": "funnel_conversion", "events": list(STEPS), "window_days": 7},
    {"name": "Day-7 retention", "kind": "retention", "events": ["signed_up"], "window_days": 7},
)
INTRO = (
    "The launch dashboard page (`GET /app/{project}/dashboard`: KPIs with their daily trends, "
    "the funnel, the retention heatmap, channels, friction) served by `launchloop serve` over "
    "`benchmarks/analytics_data.py` events in the DuckDB store, timed from the client on "
    "loopback (HTML fully received). Issue 5: under 300 ms at 10 million events, the heavy "
    "queries cached (per project, query and range; refreshed in the background a minute after "
    "they ran when new events arrived, the previous answer served meanwhile)."
)
NEW_SIGNUPS = 5


def prepare(folder: Path, events: int, persons: int) -> str:
    """A data dir with the events, a project (id 1), an admin and the KPIs; its public key."""
    from launchloop.config import load_settings
    from launchloop.knowledge.database import Database
    from launchloop.knowledge.launches import create_kpi
    from launchloop.knowledge.projects import create_project
    from launchloop.knowledge.roles import Caller
    from launchloop.knowledge.users import add_user_to_project, create_user

    settings = load_settings(data_dir=folder)
    folder.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        project = create_project(session, name="Benchmark")
        user = create_user(session, email=EMAIL, password=PASSWORD, name="Bench", language="en")
        add_user_to_project(session, user, project.id, role="admin")
        caller = Caller(project.id, "admin", "bench")
        for kpi in KPIS:
            create_kpi(session, caller, kpi)
    database.dispose()
    parquet = folder / "events.parquet"
    pq.write_table(generate(events, persons), parquet)
    load_store(settings.resolved_events_url, parquet, persons)
    parquet.unlink()
    return project.public_key


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``launchloop serve`` over ``folder`` (no launchloop.toml), up and answering."""
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(folder)}
    env["LAUNCHLOOP_CONFIG"] = str(folder / "absent.toml")
    command = [sys.executable, "-m", "launchloop", "serve", "--port", str(port)]
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, cwd=folder, stdout=quiet, stderr=quiet)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("launchloop serve did not start")


def signed_in(base: str) -> httpx.Client:
    """A client with a session cookie, signed in through the form."""
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = client.post("/sign-in", data=form)
    assert answer.status_code == 303, answer.text
    return client


def dashboard(client: httpx.Client, end_shift: int) -> tuple[float, str]:
    """Milliseconds to receive the dashboard over the data's weeks (ending ``end_shift`` days
    early) and the Sign-ups KPI's value shown."""
    end = START + timedelta(days=DAYS - 1 - end_shift)
    params = {
        "date_from": START.isoformat(),
        "date_to": end.isoformat(),
        "steps": ", ".join(STEPS),
    }
    began = time.perf_counter()
    answer = client.get("/app/1/dashboard", params=params)
    elapsed = 1000 * (time.perf_counter() - began)
    assert answer.status_code == 200 and 'data-kpi="Activation"' in answer.text, answer.text[:500]
    value = re.search(r'data-kpi="Sign-ups".*?<p class="value">(.*?)</p>', answer.text, re.S)
    assert value, "no Sign-ups value on the page"
    return elapsed, value.group(1)


def dashboard_ms(client: httpx.Client, end_shift: int) -> float:
    """Milliseconds to receive the dashboard (see :func:`dashboard`)."""
    return dashboard(client, end_shift)[0]


def send_signups(client: httpx.Client, public_key: str) -> None:
    """A few new sign-ups inside the dashboard's range, through the capture API."""
    day = datetime(START.year, START.month, START.day, 12, tzinfo=UTC) + timedelta(days=10)
    events = [
        {"event": "signed_up", "distinct_id": f"new-{i}", "timestamp": day.isoformat()}
        for i in range(NEW_SIGNUPS)
    ]
    answer = client.post("/api/v1/events", json={"api_key": public_key, "events": events})
    assert answer.status_code == 200 and answer.json()["accepted"] == NEW_SIGNUPS, answer.text


def while_refreshing(client: httpx.Client, public_key: str) -> tuple[list[float], float]:
    """Request times until new events show (served from the cache meanwhile), and how long
    they took to show (seconds)."""
    _, before = dashboard(client, 0)
    send_signups(client, public_key)
    sent, times = time.monotonic(), []
    while time.monotonic() - sent < 600:
        elapsed, value = dashboard(client, 0)
        if value != before:
            return times, time.monotonic() - sent
        times.append(elapsed)
        time.sleep(0.5)
    raise SystemExit("the new events did not show within 10 minutes")


def measure(client: httpx.Client, repeat: int, public_key: str) -> dict[str, list[float]]:
    """Cold (first request), cached (same range again), uncached (other ranges), and the
    requests served while the cache refreshes after new events (with the time they took to
    show, in seconds, under ``freshness``)."""
    cold = [dashboard_ms(client, 0)]
    cached = [dashboard_ms(client, 0) for _ in range(repeat)]
    uncached = [dashboard_ms(client, shift) for shift in range(1, repeat + 1)]
    refreshing, freshness = while_refreshing(client, public_key)
    return {
        "first request (cold process)": cold,
        "same range again (cache)": cached,
        "new range (queries run)": uncached,
        "while the cache refreshes after new events": refreshing,
        "freshness": [freshness],
    }


def parts_ms(folder: Path) -> dict[str, float]:
    """Where an uncached page spends its time: each dashboard query alone, in-process (ms)."""
    from launchloop.analytics.kpis import evaluate_kpi, kpi_from_mapping
    from launchloop.analytics.timeframe import DateRange
    from launchloop.config import load_settings
    from launchloop.store.base import open_store
    from launchloop.web.ui import dashboard_queries as q
    from launchloop.web.ui.query_cache import QueryCache

    store = open_store(load_settings(data_dir=folder).resolved_events_url)
    span = DateRange(START, START + timedelta(days=DAYS - 1))
    query = q.DashboardQuery(1, span, STEPS, retention_start=STEPS[-1])
    cases = {
        f"KPI {kpi['name']} ({kpi['kind']})": lambda kpi=kpi: evaluate_kpi(
            store, 1, kpi_from_mapping(kpi), span
        )
        for kpi in KPIS
    }
    cases |= {
        "funnel": lambda: q.read_funnel(store, QueryCache(), query),
        "retention": lambda: q.read_retention(store, QueryCache(), query),
        "channels": lambda: q.read_channels(store, QueryCache(), query),
        "friction": lambda: q.read_friction(store, QueryCache(), query),
    }
    parts = {}
    for name, run in cases.items():
        began = time.perf_counter()
        run()
        parts[name] = 1000 * (time.perf_counter() - began)
    store.close()
    return parts


def parts_table(parts: dict[str, float]) -> list[str]:
    """The Markdown table of the queries of an uncached page."""
    lines = ["| query of an uncached page | ms |", "| --- | ---: |"]
    return lines + [f"| {name} | {ms:.0f} |" for name, ms in parts.items()]


def table(times: dict[str, list[float]]) -> list[str]:
    """The Markdown table of the timings."""
    lines = ["| request | runs | median ms | max ms |", "| --- | ---: | ---: | ---: |"]
    for name, values in times.items():
        if name == "freshness":
            continue
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.0f} | {max(values):.0f} |"
        )
    return lines


def section(
    command: str,
    events: int,
    persons: int,
    times: dict[str, list[float]],
    parts: dict[str, float],
    notes: str = "",
) -> str:
    """The ``## Dashboard`` section of docs/benchmarks.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cached = statistics.median(times["same range again (cache)"])
    fresh = statistics.median(times["new range (queries run)"])
    refreshing = max(times["while the cache refreshes after new events"], default=0.0)
    verdict = f"- at {events:,} events: {cached:.0f} ms from the cache, "
    verdict += f"at most {refreshing:.0f} ms while it refreshes, "
    verdict += f"{fresh:.0f} ms when the queries run"
    if events >= TARGET_EVENTS:
        met = "met" if max(cached, refreshing) < TARGET_MS else "NOT met"
        verdict += f"; target < {TARGET_MS} ms at {TARGET_EVENTS:,}: {met} from the cache"
        verdict += ", met without it" if fresh < TARGET_MS else ", not without it"
    else:
        verdict += f" (the target is stated at {TARGET_EVENTS:,}: `--events {TARGET_EVENTS}`)"
    lines = [
        SECTION,
        "",
        INTRO,
        "",
        f"- machine: {machine('duckdb')}",
        f"- date: {when}; {events:,} events, {persons:,} persons",
        f"- command: `{command}`",
        "",
        *table(times),
        "",
        verdict,
        f"- {NEW_SIGNUPS} new sign-ups sent through the capture API showed on the page after "
        f"{times['freshness'][0]:.0f} s (documented freshness: about a minute plus the time the "
        "queries take)",
        "",
        *parts_table(parts),
        *(["", notes.strip()] if notes.strip() else []),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Generate, load, serve, sign in, time, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument("--persons", type=int, default=0, help="default: events / 20")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per kind")
    parser.add_argument("--out", default="docs/benchmarks.md", help="'' to write nothing")
    parser.add_argument("--notes", default="", help="a paragraph added under the table")
    args = parser.parse_args()
    persons = args.persons or max(1_000, args.events // 20)
    with tempfile.TemporaryDirectory(prefix="ll-dashboard-") as tmp:
        folder = Path(tmp) / "data"
        began = time.perf_counter()
        public_key = prepare(folder, args.events, persons)
        print(f"generated and loaded {args.events:,} events in {time.perf_counter() - began:.0f} s")
        port = free_port()
        process = serve(folder, port)
        try:
            client = signed_in(f"http://127.0.0.1:{port}")
            times = measure(client, args.repeat, public_key)
            client.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
        parts = parts_ms(folder)
    print("\n".join([*table(times), "", *parts_table(parts)]))
    print(f"new events showed after {times['freshness'][0]:.0f} s")
    if args.out:
        command = shlex.join(["python", "benchmarks/dashboard.py", *sys.argv[1:]])
        text = section(command, args.events, persons, times, parts, args.notes)
        write_section(Path(args.out), text)


if __name__ == "__main__":
    main()
