"""Generated events for benchmarks/analytics.py: 8 weeks, sessions, merged anonymous ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

START = date(2026, 9, 7)  # a Monday
DAYS = 56
STEPS = ("$pageview", "signed_up", "onboarding_done", "purchase")
WEIGHTS = {"$pageview": 30.0, "signed_up": 6.0, "onboarding_done": 4.0, "purchase": 2.0}
OTHERS = tuple(f"event_{i:02d}" for i in range(26))
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge")
PLANS = ("free", "pro", "team")
WEEK_US = 7 * 86_400 * 1_000_000


def generate(events: int, persons: int, seed: int = 7) -> pa.Table:
    """``events`` rows in storage columns, sorted by time (arrival order)."""
    rng = np.random.default_rng(seed)
    names = np.array([*STEPS, *OTHERS])
    weights = np.array([WEIGHTS.get(str(n), 58.0 / len(OTHERS)) for n in names])
    event = names[rng.choice(len(names), events, p=weights / weights.sum())]
    # Sessions of ~8 events within 30 minutes; each person has ~2.5 sessions over the 8 weeks.
    start_us = int(datetime(START.year, START.month, START.day, tzinfo=UTC).timestamp() * 1e6)
    sessions = max(1, events // 8)
    opened = start_us + rng.integers(0, DAYS * 86_400 * 1_000_000, sessions)
    visit = rng.integers(0, sessions, events)
    arrival = opened[visit] + rng.integers(0, 1_800_000_000, events)
    order = np.argsort(arrival, kind="stable")
    visit, ts = visit[order], arrival[order]
    person = visit % persons
    anonymous = (person % 10 < 3) & (rng.random(events) < 0.5)
    ids = pc.binary_join_element_wise(
        pa.array(np.where(anonymous, "a", "u")), pa.array(person.astype(str)), ""
    )
    browser = np.array(BROWSERS)[person % len(BROWSERS)]
    plan = np.array(PLANS)[(person // 7) % len(PLANS)]
    props = pc.binary_join_element_wise(
        '{"$browser": "', pa.array(browser), '", "plan": "', pa.array(plan), '"}', ""
    )
    session = pa.array(np.char.add("s", visit.astype(str)))
    n = pa.nulls(events, pa.string())
    return pa.table(
        {
            "uuid": pa.array(np.char.add("e", np.arange(events).astype(str))),
            "project_id": pa.array(np.ones(events, dtype=np.int32)),
            "timestamp": pa.array(ts, pa.timestamp("us")),
            "received_at": pa.array(ts, pa.timestamp("us")),
            "event": pa.array(event),
            "distinct_id": ids,
            "person_id": ids,
            "session_id": session,
            "properties": props,
            "url": n,
            "path": n,
            "referrer": n,
            "utm_source": n,
            "utm_medium": n,
            "utm_campaign": n,
            "browser": pa.array(browser),
            "os": n,
            "device_type": n,
            "element": n,
        }
    )


def load_store(url: str, parquet: Path, persons: int) -> None:
    """Create the store's tables and bulk-load the events and merged ids."""
    from launchloop.store.base import open_store

    store = open_store(url)
    merged = [i for i in range(persons) if i % 10 < 3]
    if store.dialect == "duckdb":
        con = store._con  # a bulk load, outside the write path
        con.execute(f"INSERT INTO events SELECT * FROM read_parquet('{parquet}')")
        ids = pa.table({"a": [f"a{i}" for i in merged], "u": [f"u{i}" for i in merged]})
        con.register("ids", ids)
        con.execute("INSERT INTO person_distinct_ids SELECT 1, a, u FROM ids")
        con.execute("CHECKPOINT")
    else:
        con = store._con
        con.command(f"INSERT INTO events SELECT * FROM file('{parquet}', Parquet)")
        con.command(
            "INSERT INTO person_distinct_id_versions SELECT 1, concat('a', toString(number)),"
            f" concat('u', toString(number)), 1 FROM numbers({persons}) WHERE number % 10 < 3"
        )
        con.command("OPTIMIZE TABLE events FINAL")
    store.close()
