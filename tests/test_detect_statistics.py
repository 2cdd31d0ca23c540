"""The detectors' statistics on synthetic series with known answers, checked against scipy."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from launchloop.analytics.kpis import DailyValue, Kpi
from launchloop.analytics.timeframe import DateRange
from launchloop.detect.kpi_moved import Z_THRESHOLD, detect_move
from launchloop.detect.statistics import (
    poisson_excess,
    seasonal_shift,
    two_proportions,
    weekday_medians,
)

START = date(2026, 9, 7)  # a Monday
WEEKLY = np.array([1.0, 1.05, 1.0, 0.95, 0.9, 0.45, 0.4])  # weekends are half as busy


def series(rng: np.random.Generator, days: int, level: float, noise: float, first: date = START):
    """Daily values with weekly seasonality and Gaussian noise."""
    days_list = [first + timedelta(days=i) for i in range(days)]
    values = [level * WEEKLY[d.weekday()] + rng.normal(0, noise) for d in days_list]
    return list(zip(days_list, values, strict=True))


def test_weekday_medians_by_hand() -> None:
    values = [(START + timedelta(days=i), float(i)) for i in range(14)]
    medians = weekday_medians(values)
    assert medians[0] == (0 + 7) / 2 and medians[6] == (6 + 13) / 2


def test_noise_with_weekly_seasonality_is_not_a_move() -> None:
    flagged = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        whole = series(rng, 35, 100.0, 4.0)
        shift = seasonal_shift(whole[:28], whole[28:])
        assert shift is not None
        flagged += int(abs(shift.z) >= Z_THRESHOLD)
    # |z| >= 3.5 by chance: under 1% with a four-week baseline (the MAD of 21 weekly
    # differences is itself noisy, so the tails are a little heavier than normal ones).
    assert flagged <= 4


def test_a_weekend_alone_is_no_move_when_seasonality_is_removed() -> None:
    rng = np.random.default_rng(1)
    whole = series(rng, 35, 100.0, 3.0)  # ends on a Saturday and a Sunday
    baseline, weekend = whole[:33], whole[33:]
    assert [d.weekday() for d, _ in weekend] == [5, 6]
    assert abs(seasonal_shift(baseline, weekend).z) < Z_THRESHOLD
    # The same test without weekday medians (one median for all days) would call it a fall.
    values = [v for _, v in baseline]
    centre = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(np.array(values) - centre)))
    naive = (np.mean([v for _, v in weekend]) - centre) / (mad / math.sqrt(2))
    assert naive < -Z_THRESHOLD


@pytest.mark.parametrize("seed", range(10))
def test_a_real_shift_is_flagged(seed: int) -> None:
    rng = np.random.default_rng(seed)
    whole = series(rng, 35, 100.0, 4.0)
    fallen = [(d, v - 0.15 * 100 * WEEKLY[d.weekday()]) for d, v in whole[28:]]
    shift = seasonal_shift(whole[:28], fallen)
    assert shift.z <= -Z_THRESHOLD
    assert shift.expected == pytest.approx(
        np.mean([100 * WEEKLY[d.weekday()] for d, _ in fallen]), rel=0.05
    )


def test_not_enough_baseline_is_no_answer() -> None:
    whole = series(np.random.default_rng(0), 20, 10.0, 1.0)
    assert seasonal_shift(whole[:13], whole[13:]) is None
    assert seasonal_shift(whole[:14], []) is None


def test_flat_small_counts_wobble_within_poisson_noise() -> None:
    baseline = [(START + timedelta(days=i), 3.0) for i in range(28)]
    current = [(START + timedelta(days=28 + i), v) for i, v in enumerate([4, 2, 5, 3, 1, 4, 3])]
    assert seasonal_shift(baseline, current).z == math.inf  # MAD 0: any change is infinite...
    counted = seasonal_shift(baseline, current, count_floor=True)
    assert abs(counted.z) < Z_THRESHOLD  # ...unless counts carry their Poisson noise


def test_two_proportions_matches_chi_square() -> None:
    test = two_proportions(30, 100, 50, 110)
    table = [[30, 70], [50, 60]]
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    assert test.z**2 == pytest.approx(chi2)
    assert test.z < 0 and test.p_lower == pytest.approx(stats.norm.cdf(-math.sqrt(chi2)))
    assert test.difference == pytest.approx(0.3 - 50 / 110)
    assert two_proportions(1, 0, 1, 2) is None


def test_poisson_excess_by_hand() -> None:
    expected = 4.0
    by_hand = 1 - sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(10))
    assert poisson_excess(10, expected) == pytest.approx(by_hand)
    assert poisson_excess(0, expected) == 1.0
    assert poisson_excess(3, 0.0) is None


def daily(values: list[tuple[date, float]]) -> tuple[DailyValue, ...]:
    """KPI daily values."""
    return tuple(DailyValue(d, v) for d, v in values)


def test_detect_move_names_the_kpi_figures_and_direction() -> None:
    kpi = Kpi("Sign-ups", "count", events=("signup",), owner_team="marketing")
    whole = series(np.random.default_rng(3), 35, 200.0, 6.0)
    span = DateRange(whole[28][0], whole[-1][0])
    assert detect_move(kpi, daily(whole[:28]), daily(whole[28:]), span) == []
    risen = [(d, v * 1.2) for d, v in whole[28:]]
    (found,) = detect_move(kpi, daily(whole[:28]), daily(risen), span)
    assert found.kind == "kpi_moved" and found.team == "marketing"
    assert found.payload["z"] >= Z_THRESHOLD and found.payload["good_news"] is True
    assert "Sign-ups rose" in found.text and "same weekdays" in found.text
    assert f"{np.mean([v for _, v in risen]):.3g}" in found.text
