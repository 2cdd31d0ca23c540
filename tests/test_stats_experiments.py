"""From raw events to results: exposures and metrics read from DuckDB and chdb equal the
per-person values computed by hand from the same events, and so do the statistics."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy import stats as scipy_stats

from launchloop.experiments.analysis import AnalysisSettings, analyze
from launchloop.experiments.design import exposure_for, metric_of
from launchloop.experiments.totals import Window, read_totals
from launchloop.stats.frequentist import FrequentistSettings, t_test
from launchloop.stats.statistics import Proportion, SampleMean
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

START = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(days=7))
VARIANTS = ("control", "test")


def iso(moment: datetime) -> str:
    """An ISO timestamp with microseconds (UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclass
class Raw:
    """Generated events and, per clean person, the values a hand computation gives."""

    events: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, dict[str, tuple[float, float, float]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    excluded: int = 0


def simulate(seed: int, *, posthog: bool = False) -> Raw:
    """Persons exposed once or more, some to both variants, buying before/after/outside."""
    rng, raw = random.Random(seed), Raw()
    for i in range(160):
        person = f"p{i}"
        arm = VARIANTS[rng.random() < 0.5]
        first = START + timedelta(hours=rng.uniform(1, 100))
        anonymous = f"anon{i}" if i % 7 == 0 else person  # exposed anonymously, merged later
        raw.events.append(exposure(anonymous, first, arm, posthog))
        raw.events.append(exposure(person, first + timedelta(hours=5), arm, posthog))
        if anonymous != person:
            raw.events.append(identify(person, anonymous, iso(first + timedelta(hours=1))))
        both = i % 23 == 0
        if both:
            other = VARIANTS[arm == "control"]
            raw.events.append(exposure(person, first + timedelta(hours=2), other, posthog))
            raw.excluded += 1
        if rng.random() < 0.3:  # before the first exposure: counted only as pre-period
            raw.events.append(purchase(person, first - timedelta(hours=30), 5.0))
        counted, total = 0, 0.0
        rate = 0.3 if arm == "control" else 0.45
        for _ in range(rng.choice((1, 2, 3))):
            if rng.random() < rate:
                when = first + timedelta(hours=rng.uniform(0, 80))
                amount = round(rng.uniform(1, 50), 2)
                raw.events.append(purchase(person, when, amount))
                if when < WINDOW.end:
                    counted, total = counted + 1, total + amount
        if not both:
            raw.values[arm][person] = (float(counted > 0), float(counted), total)
    raw.events.append(exposure("late", WINDOW.end + timedelta(hours=1), "control", posthog))
    raw.events.append(exposure("stranger", START + timedelta(hours=3), "other", posthog))
    elsewhere = START + timedelta(hours=4)
    if posthog:  # another flag's call, and the same flag answering "false"
        props = {"$feature_flag": "onboarding", "$feature_flag_response": "control"}
        raw.events.append(ev("$feature_flag_called", "someone", iso(elsewhere), **props))
    else:  # another experiment on the same exposure event
        props = {"variation": "test", "experiment_name": "onboarding"}
        raw.events.append(ev("Experiment Viewed", "someone", iso(elsewhere), **props))
    return raw


def exposure(distinct_id: str, when: datetime, arm: str, posthog: bool) -> dict[str, Any]:
    """An exposure event: ours with ``variant``, or PostHog's flag call."""
    if posthog:
        props = {"$feature_flag": "checkout", "$feature_flag_response": arm}
        return ev("$feature_flag_called", distinct_id, iso(when), **props)
    return ev(
        "Experiment Viewed", distinct_id, iso(when), variation=arm, experiment_name="checkout"
    )


def purchase(distinct_id: str, when: datetime, amount: float) -> dict[str, Any]:
    """A conversion event with an amount."""
    return ev("purchase", distinct_id, iso(when), amount=amount)


@pytest.mark.parametrize("posthog", [False, True])
def test_totals_equal_the_hand_computation(event_store: EventStore, posthog: bool) -> None:
    raw = simulate(11, posthog=posthog)
    write(event_store, raw.events)
    exposed = exposure_for(None if posthog else "Experiment Viewed", "checkout")
    for position, kind in enumerate(("conversion", "count", "sum")):
        metric = metric_of(kind, "purchase", "amount")
        totals = read_totals(
            event_store, PROJECT, exposure=exposed, metric=metric, variants=VARIANTS, window=WINDOW
        )
        assert totals.multiple_exposures == raw.excluded
        for arm, got in zip(VARIANTS, totals.variants, strict=True):
            values = np.array([v[position] for v in raw.values[arm].values()])
            assert got.variant == arm and got.n == len(values)
            assert got.sum == pytest.approx(values.sum(), rel=1e-9)
            assert got.sum_squares == pytest.approx((values**2).sum(), rel=1e-9)


def test_analysis_equals_statistics_of_hand_values(event_store: EventStore) -> None:
    raw = simulate(12)
    write(event_store, raw.events)
    metric = metric_of("sum", "purchase", "amount")
    totals = read_totals(
        event_store,
        PROJECT,
        exposure=exposure_for("Experiment Viewed", "checkout"),
        metric=metric,
        variants=VARIANTS,
        window=WINDOW,
    )
    result = analyze(totals, metric, [0.5, 0.5], AnalysisSettings(difference="absolute"))
    a, b = (np.array([v[2] for v in raw.values[arm].values()]) for arm in VARIANTS)
    welch = scipy_stats.ttest_ind(b, a, equal_var=False)
    treatment = result.variants[1].frequentist
    assert treatment is not None and treatment.error is None
    assert treatment.effect == pytest.approx(b.mean() - a.mean(), rel=1e-9)
    assert treatment.p_value == pytest.approx(welch.pvalue, rel=1e-6)
    expected_srm = scipy_stats.chisquare([len(a), len(b)]).pvalue
    assert result.srm.p_value == pytest.approx(expected_srm, rel=1e-9)
    assert result.snapshot()["multiple_exposures"] == raw.excluded


def test_cuped_reads_the_pre_exposure_period(event_store: EventStore) -> None:
    raw = simulate(13)
    write(event_store, raw.events)
    metric = metric_of("count", "purchase")
    totals = read_totals(
        event_store,
        PROJECT,
        exposure=exposure_for("Experiment Viewed", "checkout"),
        metric=metric,
        variants=VARIANTS,
        window=WINDOW,
        cuped_days=3,
    )
    pre = _pre_counts(raw, days=3)
    for arm, got in zip(VARIANTS, totals.variants, strict=True):
        post = {p: v[1] for p, v in raw.values[arm].items()}
        assert got.pre_sum == sum(pre.get(p, 0) for p in post)
        assert got.sum_products == sum(v * pre.get(p, 0) for p, v in post.items())
    adjusted = analyze(totals, metric, [0.5, 0.5], AnalysisSettings(cuped_days=3))
    plain = analyze(totals, metric, [0.5, 0.5])
    cuped, unadjusted = adjusted.variants[1].frequentist, plain.variants[1].frequentist
    assert cuped is not None and unadjusted is not None and cuped.error is None
    assert cuped.std_error != unadjusted.std_error  # the covariate was used
    assert adjusted.variants[1].mean == plain.variants[1].mean  # means shown unadjusted


def _pre_counts(raw: Raw, days: int) -> dict[str, int]:
    """Purchases in the ``days`` before each person's first exposure (by hand)."""
    first: dict[str, datetime] = {}
    merged = {
        e["properties"]["$anon_distinct_id"]: e["distinct_id"]
        for e in raw.events
        if e["event"] == "$identify"
    }
    for e in raw.events:
        if e["event"] == "Experiment Viewed":
            who = merged.get(e["distinct_id"], e["distinct_id"])
            when = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
            if WINDOW.start <= when < WINDOW.end:
                first[who] = min(first.get(who, when), when)
    counts: dict[str, int] = defaultdict(int)
    for e in raw.events:
        when = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        who = e["distinct_id"]
        before = who in first and first[who] - timedelta(days=days) <= when < first[who]
        if e["event"] == "purchase" and before:
            counts[who] += 1
    return counts


def test_no_exposure_gives_not_enough_data(event_store: EventStore) -> None:
    metric = metric_of("conversion", "purchase")
    totals = read_totals(
        event_store,
        PROJECT,
        exposure=exposure_for("Experiment Viewed", "checkout"),
        metric=metric,
        variants=VARIANTS,
        window=WINDOW,
    )
    result = analyze(totals, metric, [0.5, 0.5])
    assert result.error and "not enough data" in result.error
    assert result.variants[1].frequentist and result.variants[1].frequentist.error
    assert "NaN" not in str(result.snapshot())


def test_three_variants_are_corrected() -> None:
    from launchloop.experiments.totals import ExposureTotals, VariantTotals

    totals = ExposureTotals(
        (
            VariantTotals("control", 3000, 300, 300),
            VariantTotals("b", 2950, 320, 320),
            VariantTotals("c", 3040, 262, 262),
        ),
        0,
    )
    metric = metric_of("conversion", "purchase")
    result = analyze(totals, metric, [1, 1, 1], AnalysisSettings(correction="holm"))
    raw_p = [
        t_test(Proportion(3000, 300), Proportion(n, s), FrequentistSettings()).p_value
        for n, s in ((2950, 320), (3040, 262))
    ]
    low, high = sorted(raw_p)
    holm = {low: 2 * low, high: max(2 * low, high)}
    assert [v.adjusted_p_value for v in result.variants[1:]] == pytest.approx(
        [holm[p] for p in raw_p]
    )
    assert SampleMean(2, 1.0, 1.0).variance == pytest.approx(0.5)


def test_an_experiment_without_dates_or_with_reversed_dates_is_refused() -> None:
    from launchloop.errors import InvalidInput
    from launchloop.experiments.snapshots import window_of
    from launchloop.knowledge.models import Experiment

    with pytest.raises(InvalidInput, match="not started"):
        window_of(Experiment(started_at=None))
    reversed_dates = Experiment(started_at=START, ended_at=START - timedelta(days=1))
    with pytest.raises(InvalidInput, match="ends before it starts"):
        window_of(reversed_dates)
    running = Experiment(started_at=START.replace(tzinfo=None), ended_at=None)
    assert window_of(running, START + timedelta(days=2)) == Window(START, START + timedelta(days=2))
