"""The tests behind the detectors: pure functions over numbers, no I/O (STYLE.md rule 4).

- :func:`seasonal_shift`: a robust z-score of a period's mean against a baseline daily series,
  after removing each weekday's median (weekly seasonality) and scaling by the MAD of what is
  left, so a usual Monday peak or weekend dip is not a move;
- :func:`two_proportions`: the pooled two-proportion z-test (did a conversion fall?);
- :func:`poisson_excess`: the upper tail of a Poisson count against its expected value (is a
  page's share of friction, or a theme's volume, above what its exposure predicts?).

Each returns None ("not enough data") rather than NaN when its inputs cannot support a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from scipy import stats

#: MAD times this estimates the standard deviation of normal noise.
MAD_TO_SIGMA = 1.4826
#: Fewest baseline days for a seasonal test (two of each weekday).
MIN_BASELINE_DAYS = 14


@dataclass(frozen=True)
class Shift:
    """A period's mean against its seasonal expectation, in robust standard errors."""

    observed: float
    expected: float
    scale: float
    z: float
    baseline_days: int
    current_days: int

    @property
    def p_value(self) -> float:
        """Two-sided normal p-value of ``z``."""
        return float(2 * stats.norm.sf(abs(self.z)))


def weekday_counts(baseline: Sequence[tuple[date, float]]) -> dict[int, int]:
    """How many baseline values each weekday has."""
    counts = dict.fromkeys(range(7), 0)
    for day, _ in baseline:
        counts[day.weekday()] += 1
    return counts


def weekday_medians(baseline: Sequence[tuple[date, float]]) -> dict[int, float]:
    """The median of each weekday of the baseline (the overall median for a weekday seen < 2)."""
    overall = median(v for _, v in baseline)
    by_day: dict[int, list[float]] = {}
    for day, value in baseline:
        by_day.setdefault(day.weekday(), []).append(value)
    return {wd: median(by_day[wd]) if len(by_day.get(wd, ())) >= 2 else overall for wd in range(7)}


def weekly_noise(baseline: Sequence[tuple[date, float]]) -> float:
    """The day-to-day noise, robustly: MAD of the differences between a day and the same
    weekday a week before (each has twice the noise's variance), so neither the weekly pattern
    nor a slow trend counts as noise; 0 with fewer than two such pairs."""
    values = dict(baseline)
    week = timedelta(days=7)
    diffs = [v - values[d - week] for d, v in baseline if d - week in values]
    if len(diffs) < 2:
        return 0.0
    centre = median(diffs)
    return MAD_TO_SIGMA * median(abs(x - centre) for x in diffs) / math.sqrt(2)


def median_variance_factor(size: int) -> float:
    """Variance of the median of ``size`` normal values, in units of noise variance / size.

    1 for one or two values (the median is the mean); about 1.2 to 1.45 for 3 to 8 values
    (pi / 2 in the limit): 1.4 keeps the test on the cautious side.
    """
    return 1.0 if size <= 2 else 1.4


def seasonal_shift(
    baseline: Sequence[tuple[date, float]],
    current: Sequence[tuple[date, float]],
    *,
    count_floor: bool = False,
) -> Shift | None:
    """The robust z-score of the current days against their weekdays' baseline medians.

    The standard error counts both the noise of the current days and that of the weekday
    medians they are compared with (:func:`median_variance_factor`).

    :param baseline: (day, value) of the days before the period; days without a value left out.
    :param current: (day, value) of the period's days.
    :param count_floor: the values are counts: the noise is at least Poisson noise (sqrt of
        the median), so a flat baseline of small counts does not make every wobble a move.
    """
    if len(baseline) < MIN_BASELINE_DAYS or not current:
        return None
    medians, counts = weekday_medians(baseline), weekday_counts(baseline)
    scale = weekly_noise(baseline)
    if count_floor:
        scale = max(scale, math.sqrt(max(median(v for _, v in baseline), 1.0)))
    n = len(current)
    expected = sum(medians[d.weekday()] for d, _ in current) / n
    observed = sum(v for _, v in current) / n
    shift = observed - expected
    fallback = len(baseline)
    sizes = [counts[d.weekday()] if counts[d.weekday()] >= 2 else fallback for d, _ in current]
    spread = 1 / n + sum(median_variance_factor(k) / k for k in sizes) / n**2
    if scale == 0:
        z = 0.0 if shift == 0 else math.copysign(math.inf, shift)
    else:
        z = shift / (scale * math.sqrt(spread))
    return Shift(float(observed), float(expected), float(scale), float(z), len(baseline), n)


@dataclass(frozen=True)
class ProportionTest:
    """Two proportions, their difference (first minus second) and a one-sided p-value."""

    first: float
    second: float
    z: float
    p_lower: float

    @property
    def difference(self) -> float:
        """First proportion minus second."""
        return self.first - self.second


def two_proportions(
    hits_1: int, trials_1: int, hits_2: int, trials_2: int
) -> ProportionTest | None:
    """Pooled z-test that proportion 1 is below proportion 2 (None when a side is empty).

    ``p_lower`` is P(Z <= z): small when the first proportion is clearly the lower one.
    """
    if trials_1 <= 0 or trials_2 <= 0:
        return None
    first, second = hits_1 / trials_1, hits_2 / trials_2
    pooled = (hits_1 + hits_2) / (trials_1 + trials_2)
    variance = pooled * (1 - pooled) * (1 / trials_1 + 1 / trials_2)
    if variance == 0:
        return ProportionTest(first, second, 0.0, 1.0 if first >= second else 0.0)
    z = (first - second) / math.sqrt(variance)
    return ProportionTest(first, second, z, float(stats.norm.cdf(z)))


def poisson_excess(observed: int, expected: float) -> float | None:
    """P(X >= observed) for X ~ Poisson(expected): small when ``observed`` is an excess."""
    if expected <= 0:
        return None
    if observed <= 0:
        return 1.0
    return float(stats.poisson.sf(observed - 1, expected))
