"""Power and duration: units and days needed to detect an expected relative change.

Closed form for the two-sided test of :mod:`launchloop.stats.frequentist` on the relative lift.
With ``n`` units per variant, ratio ``r = mean_b / mean_a`` and difference ``d``, its statistic
is ``(mean_b - mean_a) / sqrt((var_b + var_a * r**2) / n)``: its numerator has variance
``(var_a + var_b) / n``, so under the alternative the statistic is normal with mean
``d * sqrt(n / (var_b + var_a r**2))`` and a standard deviation below 1. Solving
``P(statistic > z(1 - alpha / 2)) = power`` gives
``n = (z(1 - alpha / 2) * sqrt(var_b + var_a r**2) + z(power) * sqrt(var_a + var_b))**2 / d**2``;
with ``r = 1`` this is the textbook two-sample formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


@dataclass(frozen=True)
class PowerResult:
    """Units per variant and in total, days at the given traffic; or why there is none."""

    per_variant: int = 0
    total: int = 0
    days: int | None = None
    error: str | None = None


def _variance(mean: float, variance: float | None) -> float:
    """The given variance, or the Bernoulli one when the metric is a conversion."""
    return mean * (1 - mean) if variance is None else variance


def units_per_variant(
    baseline: float,
    mde: float,
    *,
    variance: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Units per variant (fractional) for a two-sided test of a relative lift of ``mde``."""
    treated = baseline * (1 + mde)
    var_a = _variance(baseline, variance)
    var_b = _variance(treated, variance)
    tested = math.sqrt(var_b + var_a * (1 + mde) ** 2)
    spread = math.sqrt(var_a + var_b)
    reach = float(norm.ppf(1 - alpha / 2)) * tested + float(norm.ppf(power)) * spread
    return reach**2 / (baseline * mde) ** 2


def sample_size(
    baseline: float,
    mde: float,
    *,
    daily_traffic: float | None = None,
    variants: int = 2,
    variance: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PowerResult:
    """Units and days needed to detect a relative change ``mde`` of a ``baseline`` mean.

    :param variance: per-unit variance of a mean metric; None for a conversion rate.
    :param daily_traffic: units exposed per day, all variants together (days are then given).
    """
    if (why := _invalid(baseline, mde, variance, alpha, power, variants)) is not None:
        return PowerResult(error=why)
    per_variant = math.ceil(
        units_per_variant(baseline, mde, variance=variance, alpha=alpha, power=power)
    )
    total = per_variant * variants
    days = None
    if daily_traffic is not None:
        if daily_traffic <= 0:
            return PowerResult(per_variant, total, error="no daily traffic: the days are unknown")
        days = math.ceil(total / daily_traffic)
    return PowerResult(per_variant, total, days)


def _invalid(
    baseline: float, mde: float, variance: float | None, alpha: float, power: float, variants: int
) -> str | None:
    if baseline <= 0:
        return "the baseline must be positive"
    if mde == 0:
        return "the minimum detectable effect cannot be zero"
    if variance is None and not (0 < baseline < 1 and 0 < baseline * (1 + mde) < 1):
        return "a conversion baseline and its change must stay strictly between 0 and 1"
    if variance is not None and variance <= 0:
        return "the variance must be positive"
    if not (0 < alpha < 1 and 0 < power < 1):
        return "alpha and power must be between 0 and 1"
    if variants < 2:
        return "an experiment needs at least two variants"
    return None
