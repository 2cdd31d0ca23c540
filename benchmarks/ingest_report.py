"""The report of benchmarks/ingest.py: a Markdown table and the ``## Ingestion`` section."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from report import machine  # benchmarks/ is on sys.path when run

if TYPE_CHECKING:
    from ingest import HttpRun, InProcess

EVENT_BYTES = 350  # measured: the bodies average ~3,600 bytes per 100 events with the envelope

SECTION = "## Ingestion"


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _rss_series(rss: list[tuple[float, float, float]], points: int = 10) -> str:
    """RSS (MiB) at ``points`` evenly spaced moments of the run."""
    if not rss:
        return "no samples"
    step = max(1, len(rss) // points)
    picked = rss[step - 1 :: step][:points]
    return ", ".join(f"{t:.0f}s {m:.0f}" for t, m, _ in picked)


def _memory_cells(rss: list[tuple[float, float, float]]) -> tuple[str, str]:
    """(RSS at the first tenth -> end, peak) in MiB."""
    if not rss:
        return ("n/a", "n/a")
    early = rss[max(0, len(rss) // 10 - 1)][1]
    return (f"{early:.0f} -> {rss[-1][1]:.0f}", f"{max(m for _, m, _ in rss):.0f}")


def table(inproc: InProcess | None, http: HttpRun | None) -> list[str]:
    """The results as Markdown table rows."""
    rows = [
        "| path | events | events/s | p50 ms | p99 ms | server RSS MiB (10% -> end) | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    if inproc:
        rows.append(
            f"| in process: decode + prepare + GroupWriter (grouped commits) | {inproc.events:,} "
            f"| {inproc.grouped_eps:,.0f} | | | | |"
        )
        rows.append(
            f"| in process: write_sync, one commit per 100-event batch | {inproc.sync_events:,} "
            f"| {inproc.sync_eps:,.0f} | | | | |"
        )
    if http:
        early_end, peak = _memory_cells(http.rss)
        rows.append(
            f"| HTTP `POST /api/v1/events`, 2xx after commit | {http.accepted:,} | {http.eps:,.0f} "
            f"| {_percentile(http.latencies, 0.5) * 1000:.1f} "
            f"| {_percentile(http.latencies, 0.99) * 1000:.1f} | {early_end} | {peak} |"
        )
    return rows


def summary(inproc: InProcess | None, http: HttpRun | None) -> list[str]:
    """Ratio, checks and the memory and throughput series, as Markdown lines."""
    lines = []
    if inproc and http:
        lines.append(f"- HTTP / in process (grouped): **{http.eps / inproc.grouped_eps:.0%}**")
    if http:
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(http.statuses.items()))
        steady = sorted(http.timeline[1:]) or [0]
        cpu = [c for _, _, c in http.rss]
        lines += [
            f"- clients: {http.clients} processes x {http.concurrency} keep-alive connections "
            "(raw HTTP/1.1 over asyncio; a 503 or a reset connection is retried)",
            f"- responses: {statuses}; events acknowledged {http.accepted:,}, "
            f"found in the store afterwards {http.stored:,}",
            f"- events/s per second of the run: min {steady[0]:,}, median "
            f"{steady[len(steady) // 2]:,}, max {steady[-1]:,}",
            f"- CPU per acknowledged event: server {http.server_cpu / http.accepted * 1e6:.1f} µs "
            f"(median {sorted(cpu)[len(cpu) // 2] if cpu else 0:.0f}% of one core), clients "
            f"{http.client_cpu / http.accepted * 1e6:.1f} µs",
            f"- server RSS (MiB) over the run: {_rss_series(http.rss)}",
        ]
    return lines


def section(command: str, inproc: InProcess | None, http: HttpRun | None, notes: str) -> str:
    """The ``## Ingestion`` section of docs/benchmarks.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        SECTION,
        "",
        'Written by `benchmarks/ingest.py` (issue 2, "Performance"). Batches of 100 native '
        f"events of ~{EVENT_BYTES} bytes (page views, clicks, `$current_url` with UTM, browser, "
        "session, 0.2% `$identify` with `$set`), on-disk DuckDB. Target: >= 50,000 events/s over "
        "HTTP with durable acknowledgements, >= 50% of the in-process figure, memory flat over "
        "10M events.",
        "",
        f"- machine: {machine('duckdb')}",
        f"- date: {when}; load average at the end (other work on the machine): "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"- command: `{command}`",
        "",
        *table(inproc, http),
        "",
        *summary(inproc, http),
    ]
    if notes:
        parts += ["", notes.strip()]
    return "\n".join(parts) + "\n"
