"""Experiment benchmark: raw events to results, against the same metric as a plain GROUP BY.

Run: ``.venv/bin/python benchmarks/experiments.py [--persons 1000000] [--events 20000000]``

1. Generates, inside DuckDB (``range()``, no Python loop), an experiment of 3 variants: one
   exposure per person (10% see it twice, 0.5% see two variants), a purchase for ~10-12% of
   persons after exposure (and some before it), and page views up to ``--events`` in all, over
   14 days, 20% of persons exposed under an anonymous id merged through ``person_distinct_ids``.
2. Times (one warm-up, median of ``--repeat``) our analysis: ``read_totals`` (exposures resolved
   to persons, first exposure, multi-variant persons excluded, conversion after exposure) plus
   the statistics; and the same conversion as a plain GROUP BY on ``distinct_id`` that neither
   resolves persons nor excludes anyone (the floor of the query's cost).
3. Writes the ``## Experiments`` section of ``--out``. Issue 7 target: under 2 s at 1M exposed
   persons and 20M events on this machine. A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from report import write_section  # benchmarks/ is on sys.path when run

from launchloop.experiments.analysis import analyze
from launchloop.experiments.design import exposure_for, metric_of
from launchloop.experiments.totals import Window, read_totals
from launchloop.store.duckdb import DuckDBStore

SECTION = "## Experiments"
START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 14
VARIANTS = ("control", "b", "c")

_EVENT = """
INSERT INTO events (uuid, project_id, timestamp, received_at, event, distinct_id, person_id,
    properties)
SELECT {uuid}, 1, t, t, {event}, {who}, {who}, {props}
FROM (SELECT i, TIMESTAMP '2026-03-01' + to_microseconds(
        CAST(({offset}) * {span} AS BIGINT)) AS t FROM range({count}) AS r(i)) AS s
WHERE {where}
"""


def generate(con: duckdb.DuckDBPyConnection, persons: int, events: int) -> int:
    """Fill the store's tables; returns how many events were written."""
    span = DAYS * 86_400_000_000
    who = "CASE WHEN i % 5 = 0 THEN 'anon' || i ELSE 'p' || i END"
    base = "['control', 'b', 'c'][i % 3 + 1]"
    variant = f"CASE WHEN i % 200 = 7 THEN ['control', 'b', 'c'][(i + 1) % 3 + 1] ELSE {base} END"
    exposure_at = "(hash(i) % 1000000) / 2000000.0"  # first half of the window
    props = f"""'{{"variation": "' || {variant} || '", "experiment_name": "bench"}}'"""
    steps = [
        # first exposure, a repeat for 10% (seen again, same variant, by the person's own id)
        ("'x' || i", "'Experiment Viewed'", who, props, exposure_at, persons, "true"),
        (
            "'y' || i",
            "'Experiment Viewed'",
            "'p' || i",
            props.replace(variant, base),
            exposure_at + " + 0.01",
            persons,
            "i % 10 = 0 OR i % 200 = 7",
        ),
        # purchases after exposure (10%, 11%, 12% by variant), and some before it
        (
            "'b' || i",
            "'purchase'",
            "'p' || i",
            "'{\"amount\": 20}'",
            exposure_at + " + 0.2",
            persons,
            "hash(i * 7) % 100 < 10 + i % 3",
        ),
        (
            "'e' || i",
            "'purchase'",
            "'p' || i",
            "'{}'",
            exposure_at + " - 0.001",
            persons,
            "hash(i * 11) % 100 < 3 AND " + exposure_at + " > 0.001",
        ),
    ]
    for uuid, event, person, properties, offset, count, where in steps:
        con.execute(
            _EVENT.format(
                uuid=uuid,
                event=event,
                who=person,
                props=properties,
                offset=offset,
                span=span,
                count=count,
                where=where,
            )
        )
    written = con.execute("SELECT count(*) FROM events").fetchone()[0]
    filler = max(events - written, 0)
    con.execute(
        _EVENT.format(
            uuid="'v' || i",
            event="'$pageview'",
            who=f"'p' || (i % {persons})",
            props="'{}'",
            offset="(hash(i) % 1000000) / 1000000.0",
            span=span,
            count=filler,
            where="true",
        )
    )
    con.execute(
        "INSERT INTO person_distinct_ids SELECT 1, 'anon' || i, 'p' || i "
        f"FROM range({persons}) AS r(i) WHERE i % 5 = 0"
    )
    return int(con.execute("SELECT count(*) FROM events").fetchone()[0])


PLAIN = """
WITH x AS (
    SELECT distinct_id, min(timestamp) AS ts,
        min(json_extract_string(properties, '$.variation')) AS variant
    FROM events WHERE project_id = 1 AND event = 'Experiment Viewed' GROUP BY distinct_id
)
SELECT variant, count(*), sum(converted) FROM (
    SELECT x.distinct_id, x.variant, max(CASE WHEN p.timestamp >= x.ts THEN 1 ELSE 0 END)
        AS converted
    FROM x LEFT JOIN events AS p
        ON p.distinct_id = x.distinct_id AND p.project_id = 1 AND p.event = 'purchase'
    GROUP BY x.distinct_id, x.variant
) GROUP BY variant ORDER BY variant
"""


def measure(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and best wall time in ms after one warm-up."""
    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), min(times)


def ours(store: DuckDBStore) -> Any:
    """Raw events to the analysis of the experiment."""
    metric = metric_of("conversion", "purchase")
    totals = read_totals(
        store,
        1,
        exposure=exposure_for("Experiment Viewed", "bench"),
        metric=metric,
        variants=VARIANTS,
        window=Window(START, START + timedelta(days=DAYS)),
    )
    return analyze(totals, metric, [1.0, 1.0, 1.0])


def section(command: str, rows: list[tuple[str, float, float]], facts: dict[str, Any]) -> str:
    """The ``## Experiments`` section of docs/benchmarks.md."""
    lines = [
        SECTION,
        "",
        'Written by `benchmarks/experiments.py` (issue 7, "Performance"): 3 variants, events '
        "generated inside DuckDB (20% of persons exposed anonymously and merged, 10% exposed "
        "twice, 0.5% exposed to two variants), conversion after first exposure. One warm-up, "
        "then the median of the timed runs.",
        "",
        f"- machine: {platform.machine()}, {facts['cores']} cores; DuckDB {duckdb.__version__}",
        f"- date: {facts['date']}; {facts['events']:,} events, {facts['exposed']:,} exposed "
        f"persons ({facts['excluded']:,} excluded for seeing two variants)",
        f"- command: `{command}`",
        "",
        "| case | median ms | best ms |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {median:.1f} | {best:.1f} |" for name, median, best in rows],
        "",
        f"- raw events to results: {rows[0][1] / 1000:.2f} s (target < 2 s); "
        f"{rows[0][1] / rows[1][1]:.2f}x the plain GROUP BY",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Generate, measure, report."""
    import os
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default="docs/benchmarks.md", help="'' to write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "events.duckdb")
        DuckDBStore(path).close()
        con = duckdb.connect(path)
        began = time.perf_counter()
        events = generate(con, args.persons, args.events)
        con.close()
        print(f"generated {events:,} events in {time.perf_counter() - began:.1f} s")
        store = DuckDBStore(path)
        try:
            result = ours(store)
            rows = [
                (
                    "raw events to results (ours, persons resolved)",
                    *measure(lambda: ours(store), args.repeat),
                ),
                (
                    "plain GROUP BY on distinct_id",
                    *measure(lambda: store.query(PLAIN), args.repeat),
                ),
            ]
        finally:
            store.close()
    facts = {
        "cores": os.cpu_count(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "events": events,
        "exposed": sum(v.units for v in result.variants) + result.multiple_exposures,
        "excluded": result.multiple_exposures,
    }
    text = section("python " + " ".join(sys.argv), rows, facts)
    print(text)
    if args.out:
        write_section(Path(args.out), text)


if __name__ == "__main__":
    main()
