"""Funnels on both stores: hand-computed cases, then windowFunnel and a reference on random data."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, datetime

import numpy
import pytest

from launchloop.analytics import funnel_sql as funnel_sql_module
from launchloop.analytics.filters import PropertyRef, parse_filters
from launchloop.analytics.funnel_sql import funnel_sql
from launchloop.analytics.funnels import (
    FunnelExclusion,
    FunnelQuery,
    FunnelResult,
    FunnelStep,
    daily_entered,
    dropped_persons,
    funnel,
)
from launchloop.analytics.sql import printer_for
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.trends import OTHER
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

SPAN = DateRange(date(2026, 3, 1), date(2026, 3, 7))
ABC = (FunnelStep("a"), FunnelStep("b"), FunnelStep("c"))
HOUR = 3600


def run(store: EventStore, steps=ABC, **options: object) -> FunnelResult:
    """A funnel over SPAN with a one-hour window unless told otherwise."""
    return funnel(store, FunnelQuery(PROJECT, SPAN, steps, **{"window_seconds": HOUR, **options}))  # type: ignore[arg-type]


def entered(result: FunnelResult) -> list[int]:
    """Persons who reached each step."""
    return [step.entered for step in result.steps]


def test_counts_rates_and_times(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "p1", "2026-03-01T10:00:00"),
            ev("b", "p1", "2026-03-01T10:05:00"),
            ev("c", "p1", "2026-03-01T10:06:00"),
            ev("a", "p2", "2026-03-01T10:00:00"),
            ev("b", "p2", "2026-03-01T10:00:00"),  # same microsecond: taken in step order
            ev("b", "p3", "2026-03-01T10:00:00"),  # before any a: does not count
            ev("a", "p3", "2026-03-01T11:00:00"),
            ev("b", "p3", "2026-03-01T11:20:00"),
            ev("a", "p4", "2026-03-01T12:00:00"),
        ],
    )
    result = run(event_store)
    assert entered(result) == [4, 3, 1]
    first, second, third = result.steps
    assert (first.converted, first.dropped) == (3, 1)
    assert (second.converted, second.dropped) == (1, 2)
    assert (third.converted, third.dropped) == (1, 0)
    assert second.conversion_from_previous == 0.75 and third.conversion_from_first == 0.25
    assert third.conversion_from_previous == pytest.approx(1 / 3)
    assert first.median_seconds is None
    # a -> b: 300 s, 0 s, 1200 s; numpy's linear quantiles: median 300, p90 300 + 0.8 * 900
    assert (second.median_seconds, second.p90_seconds) == (300.0, 1020.0)
    assert (third.median_seconds, third.p90_seconds) == (60.0, 60.0)
    assert dropped_persons(event_store, FunnelQuery(PROJECT, SPAN, ABC, HOUR), 1) == ("p4",)
    assert dropped_persons(event_store, FunnelQuery(PROJECT, SPAN, ABC, HOUR), 2) == ("p2", "p3")


def test_one_event_fills_one_step(event_store: EventStore) -> None:
    write(event_store, [ev("view", "p1", "2026-03-01T10:00:00")])
    steps = (FunnelStep("view"), FunnelStep("view"))
    assert entered(run(event_store, steps)) == [1, 0]
    write(event_store, [ev("view", "p1", "2026-03-01T10:00:00")])  # a second one, same time
    assert entered(run(event_store, steps)) == [1, 1]


def test_events_arriving_out_of_order(event_store: EventStore) -> None:
    write(event_store, [ev("c", "p1", "2026-03-02T10:10:00")])
    write(event_store, [ev("b", "p1", "2026-03-02T10:05:00")])
    write(event_store, [ev("a", "p1", "2026-03-02T10:00:00")])
    result = run(event_store)
    assert entered(result) == [1, 1, 1]
    assert [s.median_seconds for s in result.steps] == [None, 300.0, 300.0]


def test_person_merged_in_the_middle_of_the_funnel(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "anon-1", "2026-03-02T10:00:00"),
            identify("user-1", "anon-1", "2026-03-02T10:01:00"),
            ev("b", "user-1", "2026-03-02T10:02:00"),
            ev("c", "user-1", "2026-03-02T10:03:00"),
        ],
    )
    assert entered(run(event_store)) == [1, 1, 1]
    # a merge that arrives later still joins the earlier events
    write(event_store, [ev("a", "anon-2", "2026-03-03T10:00:00")])
    write(event_store, [ev("b", "user-2", "2026-03-03T10:30:00")])
    assert entered(run(event_store)) == [2, 1, 1]
    write(event_store, [identify("user-2", "anon-2", "2026-03-03T11:00:00")])
    assert entered(run(event_store)) == [2, 2, 1]


def test_window_boundary_is_included(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "in", "2026-03-02T10:00:00.000000"),
            ev("b", "in", "2026-03-02T11:00:00.000000"),  # exactly one hour
            ev("a", "out", "2026-03-02T10:00:00.000000"),
            ev("b", "out", "2026-03-02T11:00:00.000001"),  # one microsecond more
        ],
    )
    result = run(event_store, ABC[:2])
    assert entered(result) == [2, 1]
    assert result.steps[1].median_seconds == 3600.0


def test_any_step_one_may_start_the_chain(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "p1", "2026-03-02T08:00:00"),
            ev("a", "p1", "2026-03-02T10:00:00"),
            ev(
                "b", "p1", "2026-03-02T10:30:00"
            ),  # 2.5 h after the first a, 30 min after the second
        ],
    )
    result = run(event_store, ABC[:2])
    assert entered(result) == [1, 1]
    assert result.steps[1].median_seconds == 1800.0


def test_strict_order_allows_no_other_event_between_steps(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "p1", "2026-03-02T10:00:00"),
            ev("noise", "p1", "2026-03-02T10:01:00"),
            ev("b", "p1", "2026-03-02T10:02:00"),
            ev("a", "p2", "2026-03-02T10:00:00"),
            ev("b", "p2", "2026-03-02T10:02:00"),
            ev("noise", "p2", "2026-03-02T10:03:00"),
            ev("c", "p2", "2026-03-02T10:04:00"),
        ],
    )
    assert entered(run(event_store, order="strict")) == [2, 1, 0]
    assert entered(run(event_store, order="ordered")) == [2, 2, 1]


def test_any_order(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("c", "p1", "2026-03-02T10:00:00"),
            ev("b", "p1", "2026-03-02T10:10:00"),
            ev("a", "p1", "2026-03-02T10:20:00"),
            ev("b", "p2", "2026-03-02T10:00:00"),
            ev("a", "p2", "2026-03-02T12:00:00"),  # out of the window
        ],
    )
    result = run(event_store, order="any")
    assert entered(result) == [2, 1, 1]
    assert [s.median_seconds for s in result.steps] == [None, 600.0, 600.0]


def test_exclusion_voids_the_chain(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "p1", "2026-03-02T10:00:00"),
            ev("x", "p1", "2026-03-02T10:01:00"),
            ev("b", "p1", "2026-03-02T10:02:00"),
            ev("a", "p2", "2026-03-02T10:00:00"),
            ev("b", "p2", "2026-03-02T10:02:00"),
            ev("x", "p2", "2026-03-02T10:03:00"),  # after step b: no effect on a -> b
            ev("a", "p3", "2026-03-02T10:00:00"),
            ev("x", "p3", "2026-03-02T10:03:00"),  # never reached b: still counted at a
        ],
    )
    exclusion = (FunnelExclusion("x", 1, 2),)
    assert entered(run(event_store, ABC[:2], exclusions=exclusion)) == [2, 1]
    assert entered(run(event_store, ABC[:2])) == [3, 2]


def test_step_filters_global_filters_and_breakdown(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("a", "p1", "2026-03-02T10:00:00", src="ads", plan="pro"),
            ev("b", "p1", "2026-03-02T10:01:00", plan="pro"),
            ev("a", "p2", "2026-03-02T10:00:00", src="ads", plan="free"),
            ev("b", "p2", "2026-03-02T10:01:00", plan="free"),
            ev("a", "p3", "2026-03-02T10:00:00", src="mail"),
            ev("a", "p4", "2026-03-02T10:00:00", src="seo"),
            ev("b", "p4", "2026-03-02T10:30:00"),
            ev("a", "p5", "2026-03-02T10:00:00"),
        ],
    )
    pro = parse_filters([{"key": "plan", "value": "pro"}])
    assert entered(run(event_store, (ABC[0], FunnelStep("b", pro)))) == [5, 1]
    result = run(event_store, ABC[:2], breakdown=PropertyRef("src"), breakdown_limit=2)
    parts = {part.value: entered(part) for part in result.breakdowns}
    assert parts == {"ads": [2, 2], "mail": [1, 0], OTHER: [1, 1], None: [1, 0]}
    assert entered(result) == [5, 3]
    seo = parse_filters([{"key": "src", "operator": "!=", "value": "seo"}])
    assert entered(run(event_store, ABC[:2], filters=seo)) == [4, 2]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"steps": (FunnelStep("a"),)}, "steps"),
        ({"steps": tuple(FunnelStep(str(i)) for i in range(11))}, "steps"),
        ({"window_seconds": 0}, "window_seconds"),
        ({"order": "sideways"}, "order"),
        ({"exclusions": (FunnelExclusion("x", 2, 2),)}, "exclusions[0].to_step"),
        ({"exclusions": (FunnelExclusion("x", 1, 2),), "order": "any"}, "exclusions"),
        ({"steps": (FunnelStep("a"), FunnelStep(""))}, "steps[1].event"),
    ],
)
def test_invalid_funnels_name_the_field(options: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        FunnelQuery(**{"project_id": PROJECT, "span": SPAN, "steps": ABC, **options})
    assert caught.value.field == field


# -- against ClickHouse's windowFunnel on generated data ------------------------------------------


def generated_events(seed: int) -> list[dict]:
    """~2,000 events of 120 persons over two days, to the second so that ties happen."""
    rng = random.Random(seed)
    names = ["a", "b", "c", "d", "noise"]
    events = []
    for person in range(120):
        for _ in range(rng.randint(1, 30)):
            second = rng.randint(0, 2 * 86_400 - 1)
            stamp = f"2026-03-0{2 + second // 86_400}T{second % 86_400 // 3600:02d}:"
            stamp += f"{second % 3600 // 60:02d}:{second % 60:02d}"
            events.append(ev(rng.choice(names), f"p{person}", stamp))
    return events


_WINDOW_FUNNEL = """
import json, sys
from chdb import session
rows = json.load(sys.stdin)
s = session.Session()
s.query("CREATE TABLE e (person String, t UInt64, event String) ENGINE = Memory")
values = ",".join(f"('{p}', {t}, '{e}')" for p, t, e in rows)
s.query(f"INSERT INTO e VALUES {values}")
conditions = ", ".join(f"event = '{step}'" for step in sys.argv[3])
mode = f", '{sys.argv[2]}'" if sys.argv[2] else ""
out = s.query(
    f"SELECT level, count() FROM (SELECT person, windowFunnel({sys.argv[1]}{mode})(t, {conditions})"
    " AS level FROM e GROUP BY person) WHERE level > 0 GROUP BY level", "JSONCompact"
)
print(json.dumps(json.loads(str(out))["data"]))
"""


def window_funnel_levels(events: list[dict], window: int, steps: str, mode: str = "") -> list[int]:
    """Persons per level reached by ClickHouse's windowFunnel over the same events.

    It runs in a child process: chdb serves one database path per process, and the store under
    test may hold it.
    """
    rows = [(e["distinct_id"], _micros(e["timestamp"]), e["event"]) for e in events]
    done = subprocess.run(
        [sys.executable, "-c", _WINDOW_FUNNEL, str(window), mode, steps],
        input=json.dumps(rows),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    per_level = {int(level): int(n) for level, n in json.loads(done.stdout)}
    return [
        sum(n for level, n in per_level.items() if level >= k) for k in range(1, len(steps) + 1)
    ]


def _micros(stamp: str) -> int:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordered_funnel_matches_window_funnel(event_store: EventStore, seed: int) -> None:
    events = generated_events(seed)
    expected = window_funnel_levels(events, 1800 * 1_000_000, "abcd")
    write(event_store, events)
    steps = tuple(FunnelStep(name) for name in "abcd")
    result = funnel(event_store, FunnelQuery(PROJECT, SPAN, steps, window_seconds=1800))
    assert entered(result) == expected
    assert expected[1] > 0 and expected[3] < expected[0]  # the data exercise the funnel
    levels = reference_levels(events, "abcd", 1800 * 1_000_000, "ordered")
    for step in (1, 2, 3):
        query = FunnelQuery(PROJECT, SPAN, steps, window_seconds=1800)
        dropped = dropped_persons(event_store, query, step, limit=10_000)
        assert dropped == tuple(sorted(p for p, level in levels.items() if level == step))


def reference_levels(events: list[dict], steps: str, window: int, order: str) -> dict[str, int]:
    """Each person's level by the same rules (see ``reference_funnel``)."""
    levels = {}
    for person, rows in _sorted_rows(events, steps, order).items():
        starts = [i for i, row in enumerate(rows) if row[3] == steps[0]]
        levels[person] = max(
            (len(_chain(rows, i, steps, window, order)) for i in starts), default=0
        )
    return levels


def _sorted_rows(events: list[dict], steps: str, order: str) -> dict[str, list[tuple]]:
    by_person: dict[str, list[tuple]] = {}
    for e in events:
        if order != "strict" and e["event"] not in steps:
            continue
        tie = steps.index(e["event"]) if e["event"] in steps else len(steps)
        by_person.setdefault(e["distinct_id"], []).append(
            (_micros(e["timestamp"]), tie, e["uuid"], e["event"])
        )
    return {person: sorted(rows) for person, rows in by_person.items()}


def reference_funnel(events: list[dict], steps: str, window: int, order: str) -> list[list[int]]:
    """Per step, the gaps (µs) from the previous step of the persons who reached it.

    A direct reading of the rules in ``launchloop.analytics.funnels`` (no SQL), for persons
    who never merge.
    """
    reached: list[list[int]] = [[] for _ in steps]
    for rows in _sorted_rows(events, steps, order).values():
        best: list[int] = []
        for i, row in enumerate(rows):
            if row[3] == steps[0]:
                chain = _chain(rows, i, steps, window, order)
                best = chain if len(chain) > len(best) else best
        for k in range(len(best)):
            reached[k].append(rows[best[k]][0] - rows[best[k - 1]][0] if k else 0)
    return reached


def _chain(rows: list[tuple], start: int, steps: str, window: int, order: str) -> list[int]:
    chain = [start]
    for step in steps[1:]:
        limit, prev = rows[start][0] + window, chain[-1]
        candidates = [prev + 1] if order == "strict" else range(prev + 1, len(rows))
        found = next(
            (j for j in candidates if j < len(rows) and rows[j][3] == step and rows[j][0] <= limit),
            None,
        )
        if found is None:
            break
        chain.append(found)
    return chain


@pytest.mark.parametrize(("seed", "order"), [(4, "ordered"), (5, "strict"), (6, "strict")])
def test_funnel_matches_a_reference_implementation(
    event_store: EventStore, seed: int, order: str
) -> None:
    events = generated_events(seed)
    reached = reference_funnel(events, "abc", 7200 * 1_000_000, order)
    write(event_store, events)
    steps = tuple(FunnelStep(name) for name in "abc")
    result = funnel(event_store, FunnelQuery(PROJECT, SPAN, steps, 7200, order=order))  # type: ignore[arg-type]
    assert entered(result) == [len(gaps) for gaps in reached]
    assert len(reached[2]) > 0
    for step, gaps in zip(result.steps[1:], reached[1:], strict=True):
        assert step.median_seconds == pytest.approx(numpy.percentile(gaps, 50) / 1e6, abs=1e-6)
        assert step.p90_seconds == pytest.approx(numpy.percentile(gaps, 90) / 1e6, abs=1e-6)


def test_long_ranges_sort_with_ordered_lists_and_agree(event_store: EventStore) -> None:
    events = generated_events(7)
    write(event_store, events)
    steps = tuple(FunnelStep(name) for name in "abcdabcdab")  # 10 steps, 5 exclusions
    exclusions = tuple(FunnelExclusion("noise", 2 + i, 3 + i) for i in range(5))
    short = FunnelQuery(PROJECT, SPAN, steps, 7200, exclusions=exclusions)
    long = FunnelQuery(
        PROJECT, DateRange(date(2024, 1, 1), date(2027, 12, 31)), steps, 7200, exclusions=exclusions
    )
    printer = printer_for(event_store.dialect)
    assert "t, o, m" not in funnel_sql(short, printer).sql  # packed sort keys
    assert "t, o, m" in funnel_sql(long, printer_for(event_store.dialect)).sql  # too wide
    assert funnel(event_store, long) == funnel(event_store, short)
    assert entered(funnel(event_store, short))[2] > 0


@pytest.mark.parametrize("order", ["ordered", "strict", "any"])
def test_daily_funnel_is_each_days_funnel_in_one_statement(
    event_store: EventStore, order: str
) -> None:
    # Two days of generated events, read in a zone whose midnight cuts them, plus a merge.
    events = [*generated_events(8), identify("p1", "p2", "2026-03-02T12:00:00")]
    write(event_store, events)
    span = DateRange(date(2026, 3, 1), date(2026, 3, 4), "America/New_York")
    steps = tuple(FunnelStep(name) for name in "abc")
    query = FunnelQuery(PROJECT, span, steps, 7200, order=order)  # type: ignore[arg-type]
    daily = daily_entered(event_store, query)
    assert len(daily) == 3  # events on three local days, none on the fourth
    for day in (date(2026, 3, d) for d in range(1, 5)):
        alone = FunnelQuery(PROJECT, DateRange(day, day, span.time_zone), steps, 7200, order=order)  # type: ignore[arg-type]
        expected = tuple(entered(funnel(event_store, alone)))
        assert daily.get(day, (0, 0, 0)) == expected
    assert sum(counts[2] for counts in daily.values()) > 0


def test_the_fast_shape_gives_the_general_shapes_numbers(
    event_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Generated events with properties, merges, a breakdown, a filter and a person filter.
    rng = random.Random(9)
    events = generated_events(9)
    for event in events:
        event["properties"] |= {"src": rng.choice(["ads", "mail", None]), "plan": "pro"}
    events += [identify(f"p{i}", f"p{i + 1}", "2026-03-02T12:00:00") for i in range(0, 40, 4)]
    write(event_store, events)
    steps = tuple(FunnelStep(name) for name in "abcd")
    pro = parse_filters([{"key": "plan", "value": "pro"}])
    queries = [
        FunnelQuery(PROJECT, SPAN, steps, 1800),
        FunnelQuery(PROJECT, SPAN, steps, 7200, breakdown=PropertyRef("src"), filters=pro),
        FunnelQuery(PROJECT, SPAN, (FunnelStep("a"), FunnelStep("c", pro)), 600),
    ]
    printer = printer_for(event_store.dialect)
    assert "lims" in funnel_sql(queries[0], printer).sql  # the fast shape applies here
    fast = [(funnel(event_store, q), daily_entered(event_store, q)) for q in queries]
    monkeypatch.setattr(funnel_sql_module, "GENERAL_SHAPE_ONLY", True)
    assert "lims" not in funnel_sql(queries[0], printer_for(event_store.dialect)).sql
    general = [(funnel(event_store, q), daily_entered(event_store, q)) for q in queries]
    assert fast == general
    assert entered(fast[1][0])[2] > 0 and len(fast[1][0].breakdowns) == 3
