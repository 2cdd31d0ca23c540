"""Analytics benchmark: our queries on DuckDB and chdb against ClickHouse's windowFunnel/retention.

Run: ``.venv/bin/python benchmarks/analytics.py [--events 2000000] [--out docs/benchmarks.md]``

1. Generates N events with ``analytics_data.py`` (``--persons``, default N/20; 30 event names;
   ``$browser`` and ``plan`` properties; 8 weeks; sessions of ~8 events; 30% of persons seen
   under an anonymous id first, merged by ``person_distinct_ids``) into a Parquet file, loaded
   in arrival (time) order into our DuckDB store and into our ClickHouse store (chdb; MergeTree
   ordered by project, event, day, person).
2. Times each case in a fresh process (one warm-up, median of ``--repeat``), with its peak RSS:
   our funnel (4 steps, 7-day window), the same with a breakdown by browser and a ``plan``
   filter, retention (8 weekly periods), a daily unique-persons trend and the other queries of
   a launch dashboard (a KPI, web overview, friction hot spots) on both stores; and ClickHouse's
   own ``windowFunnel`` and ``retention`` on the same MergeTree table (on the stored
   ``person_id`` column, without resolving merges: the reference to beat).
3. Prints a table and writes the ``## Analytics`` section of ``--out``.

Issue 3, "Performance": our funnel <= 0.5x windowFunnel's time at 10M events (never above 1.0x),
100M <= 12x 10M, peak memory < 4 GB at 100M, every dashboard query < 300 ms at 10M.
A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from analytics_data import DAYS, START, STEPS, generate, load_store
from report import machine, write_section  # benchmarks/ is on sys.path when run

SECTION = "## Analytics"


def load(parquet: Path, folder: Path, persons: int) -> dict[str, str]:
    """The store URLs of both engines, loaded from ``parquet`` (each in its own process)."""
    urls = {"duckdb": f"duckdb:///{folder / 'events.duckdb'}", "chdb": f"chdb:///{folder / 'chdb'}"}
    for url in urls.values():
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--load",
                url,
                "--parquet",
                str(parquet),
                "--persons",
                str(persons),
            ],
            check=True,
        )
    return urls


# -- cases -----------------------------------------------------------------------------------


def _span() -> Any:
    from launchloop.analytics.timeframe import DateRange

    return DateRange(START, START + timedelta(days=DAYS - 1))


def _funnel(store: Any, breakdown: bool) -> Any:
    from launchloop.analytics.filters import PropertyFilter, PropertyRef
    from launchloop.analytics.funnels import FunnelQuery, FunnelStep, funnel

    extra: dict[str, Any] = {}
    if breakdown:
        extra = {
            "breakdown": PropertyRef("browser", "column"),
            "filters": (PropertyFilter(PropertyRef("plan"), "eq", "pro"),),
        }
    steps = tuple(FunnelStep(name) for name in STEPS)
    return funnel(store, FunnelQuery(1, _span(), steps, window_seconds=7 * 86_400, **extra))


def _retention(store: Any) -> Any:
    from launchloop.analytics.filters import EventSpec
    from launchloop.analytics.retention import RetentionQuery, retention

    query = RetentionQuery(1, _span(), EventSpec("signed_up"), EventSpec("$pageview"), "week", 8)
    return retention(store, query)


def _trend(store: Any) -> Any:
    from launchloop.analytics.trends import TrendsQuery, trends

    return trends(store, TrendsQuery(1, _span(), "$pageview", "day", "unique"))


def _kpi(store: Any) -> Any:
    from launchloop.analytics.kpis import Kpi, evaluate_kpi
    from launchloop.analytics.timeframe import DateRange

    last = START + timedelta(days=DAYS - 1)
    kpi = Kpi("adoption", "adoption", events=("onboarding_done",))
    return evaluate_kpi(store, 1, kpi, DateRange(last - timedelta(days=6), last))


def _web(store: Any) -> Any:
    from launchloop.analytics.web import WebQuery, web_overview

    return web_overview(store, WebQuery(1, _span()))


def _friction(store: Any) -> Any:
    from launchloop.analytics.friction import FrictionQuery, friction_hotspots

    return friction_hotspots(store, FrictionQuery(1, _span()))


def _window_funnel(store: Any) -> Any:
    conditions = ", ".join(f"event = '{name}'" for name in STEPS)
    names = ", ".join(f"'{name}'" for name in STEPS)
    return store.query(
        "SELECT level, count() FROM (SELECT person_id, windowFunnel(604800000000)("
        f"toUInt64(toUnixTimestamp64Micro(timestamp)), {conditions}) AS level FROM events "
        f"WHERE project_id = 1 AND event IN ({names}) GROUP BY person_id) GROUP BY level"
    )


def _ch_retention(store: Any) -> Any:
    weeks = ", ".join(
        f"event = '$pageview' AND toMonday(timestamp) = addDays(f.cohort, {7 * k})"
        for k in range(1, 9)
    )
    return store.query(
        "WITH firsts AS (SELECT person_id, min(toMonday(timestamp)) AS cohort FROM events"
        " WHERE project_id = 1 AND event = 'signed_up' GROUP BY person_id)\n"
        "SELECT cohort, sumForEach(r) FROM (SELECT f.cohort AS cohort, retention("
        f"event = 'signed_up' AND toMonday(timestamp) = f.cohort, {weeks}) AS r\n"
        "FROM events AS e INNER JOIN firsts AS f ON f.person_id = e.person_id\n"
        "WHERE e.project_id = 1 AND e.event IN ('signed_up', '$pageview')"
        " GROUP BY e.person_id, f.cohort) GROUP BY cohort ORDER BY cohort"
    )


CASES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "funnel": ("ours", lambda s: _funnel(s, False)),
    "funnel + breakdown + filter": ("ours", lambda s: _funnel(s, True)),
    "retention 8 weeks": ("ours", _retention),
    "trend daily unique": ("ours", _trend),
    "KPI adoption 7d": ("ours", _kpi),
    "web overview": ("ours", _web),
    "friction hot spots": ("ours", _friction),
    "windowFunnel": ("clickhouse", _window_funnel),
    "retention()": ("clickhouse", _ch_retention),
}
INTRO = (
    'Written by `benchmarks/analytics.py` (issue 3, "Performance"). Generated events over 8 weeks '
    "(30 event names, `$browser` and `plan` properties, 30% of persons first seen anonymously "
    "and merged), loaded in arrival order into both stores. Each case runs in a fresh process: "
    "one warm-up, then the median of the timed runs; CPU is the process's CPU time (all "
    "threads; steadier than wall time on a shared machine); RSS is the process peak (engine "
    "included). windowFunnel and retention() read the stored `person_id` without resolving "
    "merges, so they do less work than our queries."
)
DASHBOARD = ("trend daily unique", "KPI adoption 7d", "web overview", "friction hot spots")


def run_case(name: str, url: str, repeat: int) -> dict[str, Any]:
    """Time one case in this (fresh) process: one warm-up, then ``repeat`` runs."""
    from launchloop.store.base import open_store

    store = open_store(url)
    try:
        case = CASES[name][1]
        case(store)
        times, cpu = [], []
        for _ in range(repeat):
            began, used = time.perf_counter(), time.process_time()
            case(store)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - used)
    finally:
        store.close()
    rss_mb = peak_rss_mb()
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "cpu_s": statistics.median(cpu),
        "rss_mb": rss_mb,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(urls: dict[str, str], repeat: int) -> list[dict[str, Any]]:
    """Every case on every engine it applies to, each in a fresh process."""
    results = []
    for name, (kind, _) in CASES.items():
        engines = ("chdb",) if kind == "clickhouse" else ("duckdb", "chdb")
        for engine in engines:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--case",
                    name,
                    "--url",
                    urls[engine],
                    "--repeat",
                    str(repeat),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            row = {"case": name, "engine": engine, **json.loads(out.stdout.splitlines()[-1])}
            print(
                f"  {engine:6} {name:28} {row['median_s'] * 1000:9.1f} ms"
                f" {row['cpu_s'] * 1000:9.0f} ms CPU {row['rss_mb']:7.0f} MB",
                flush=True,
            )
            results.append(row)
    return results


# -- report ----------------------------------------------------------------------------------


def _time(
    results: list[dict[str, Any]], case: str, engine: str, measure: str = "median_s"
) -> float | None:
    found = [r[measure] for r in results if r["case"] == case and r["engine"] == engine]
    return found[0] if found else None


def table(results: list[dict[str, Any]]) -> list[str]:
    """The Markdown table: median and best time, CPU time, peak RSS, ratios to windowFunnel."""
    reference = _time(results, "windowFunnel", "chdb")
    cpu_reference = _time(results, "windowFunnel", "chdb", "cpu_s")
    lines = [
        "| case | engine | median ms | best ms | CPU ms | peak RSS MB | / windowFunnel "
        "| CPU / windowFunnel's |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = f"{r['median_s'] / reference:.2f}x" if reference else "-"
        cpu_ratio = f"{r['cpu_s'] / cpu_reference:.2f}x" if cpu_reference else "-"
        engine = "chdb (ClickHouse SQL)" if CASES[r["case"]][0] == "clickhouse" else r["engine"]
        lines.append(
            f"| {r['case']} | {engine} | {r['median_s'] * 1000:.1f} | {r['min_s'] * 1000:.1f} "
            f"| {r['cpu_s'] * 1000:.0f} | {r['rss_mb']:.0f} | {ratio} | {cpu_ratio} |"
        )
    return lines


def verdicts(results: list[dict[str, Any]], events: int) -> list[str]:
    """How the run compares with the issue's targets (stated, not asserted)."""
    reference = _time(results, "windowFunnel", "chdb") or float("nan")
    lines = []
    cpu_reference = _time(results, "windowFunnel", "chdb", "cpu_s") or float("nan")
    for engine in ("duckdb", "chdb"):
        ours = _time(results, "funnel", engine) or float("nan")
        cpu = _time(results, "funnel", engine, "cpu_s") or float("nan")
        lines.append(
            f"- our funnel on {engine}: {ours / reference:.2f}x windowFunnel's time, "
            f"{cpu / cpu_reference:.2f}x its CPU time (target <= 0.5x, never above 1.0x)"
        )
        slowest = max((_time(results, c, engine) or 0) for c in DASHBOARD)
        lines.append(
            f"- slowest dashboard query on {engine}: {slowest * 1000:.0f} ms "
            "(target < 300 ms at 10M events)"
        )
    peak = max(r["rss_mb"] for r in results)
    lines.append(
        f"- peak RSS of any case: {peak:.0f} MB at {events:,} events (target < 4 GB at 100M)"
    )
    return lines


def section(
    command: str, events: int, persons: int, results: list[dict[str, Any]], notes: str = ""
) -> str:
    """The ``## Analytics`` section of docs/benchmarks.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "\n".join(
            [
                SECTION,
                "",
                INTRO,
                "",
                f"- machine: {machine('duckdb', 'chdb')}",
                f"- date: {when}; {events:,} events, {persons:,} persons",
                f"- command: `{command}`",
                "",
                *table(results),
                "",
                *verdicts(results, events),
                *(["", notes.strip()] if notes.strip() else []),
            ]
        )
        + "\n"
    )


def main() -> None:
    """Generate, load, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="events to generate")
    parser.add_argument("--persons", type=int, default=0, help="default: events / 20")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case")
    parser.add_argument("--out", default="docs/benchmarks.md", help="'' to write nothing")
    parser.add_argument("--notes", default="", help="a paragraph added under the table")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_store(args.load, Path(args.parquet), args.persons)
        return
    if args.case:
        print(json.dumps(run_case(args.case, args.url, args.repeat)))
        return
    persons = args.persons or max(1_000, args.events // 20)
    with tempfile.TemporaryDirectory(prefix="ll-bench-") as folder:
        began = time.perf_counter()
        parquet = Path(folder) / "events.parquet"
        pq.write_table(generate(args.events, persons), parquet)
        urls = load(parquet, Path(folder), persons)
        print(f"generated and loaded {args.events:,} events in {time.perf_counter() - began:.0f} s")
        results = measure(urls, args.repeat)
    print("\n".join([*table(results), "", *verdicts(results, args.events)]))
    if args.out:
        command = "python benchmarks/analytics.py " + " ".join(sys.argv[1:])
        write_section(
            Path(args.out), section(command.strip(), args.events, persons, results, args.notes)
        )


if __name__ == "__main__":
    main()
