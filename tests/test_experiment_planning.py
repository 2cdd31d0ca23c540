"""Baseline and traffic measured in the store for power planning: the same numbers on DuckDB and
chdb as a hand computation over the generated events."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from launchloop.experiments.design import metric_of
from launchloop.experiments.planning import recent_totals
from launchloop.experiments.totals import Window
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

END = datetime(2026, 4, 1, tzinfo=UTC)
WINDOW = Window(END - timedelta(days=28), END)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def simulate(seed: int) -> tuple[list[dict[str, object]], dict[str, list[float]]]:
    """Active persons (some merged from an anonymous id), their purchases in and out of the
    window, and the per-person values a hand computation gives for each metric kind."""
    rng = random.Random(seed)
    events: list[dict[str, object]] = []
    values: dict[str, list[float]] = {"conversion": [], "count": [], "sum": []}
    for i in range(120):
        person = f"p{i}"
        seen = WINDOW.start + timedelta(hours=rng.uniform(1, 600))
        anonymous = f"anon{i}" if i % 5 == 0 else person
        events.append(ev("$pageview", anonymous, _iso(seen)))
        if anonymous != person:
            events.append(identify(person, anonymous, _iso(seen + timedelta(minutes=1))))
        bought, total = 0, 0.0
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            amount = round(rng.uniform(1, 40), 2)
            events.append(ev("purchase", person, _iso(seen + timedelta(hours=1)), amount=amount))
            bought, total = bought + 1, total + amount
        events.append(ev("purchase", person, _iso(WINDOW.start - timedelta(days=1)), amount=9.0))
        values["conversion"].append(float(bought > 0))
        values["count"].append(float(bought))
        values["sum"].append(total)
    events.append(ev("purchase", "later", _iso(END + timedelta(hours=1)), amount=5.0))
    return events, values


@pytest.mark.parametrize("kind", ["conversion", "count", "sum"])
def test_recent_totals_equal_the_hand_computation(event_store: EventStore, kind: str) -> None:
    events, values = simulate(7)
    write(event_store, events)
    write(event_store, [ev("purchase", "elsewhere", _iso(END - timedelta(days=1)), amount=1.0)], 2)
    metric = metric_of(kind, "purchase", "amount" if kind == "sum" else None)
    n, total, squares = recent_totals(event_store, PROJECT, metric, WINDOW)
    by_hand = np.array(values[kind])
    assert n == len(by_hand) == 120  # merged anonymous ids count once; other project excluded
    assert total == pytest.approx(by_hand.sum(), rel=1e-12)
    assert squares == pytest.approx((by_hand**2).sum(), rel=1e-12)
