"""Frequentist tests of a treatment against control, as gbstats computes them.

The effect is the relative lift ``(mean_b - mean_a) / mean_a`` by default (or the absolute
difference), its variance by the delta method, its degrees of freedom by Welch-Satterthwaite.
The fixed-horizon test is a two-sided (or one-sided) Welch t-test; the sequential test gives
always-valid confidence sequences (Waudby-Smith et al., arXiv 2103.06476, eqs. 155 and 161)
with the tuning parameter ``tau`` (default 5000) and N = n_a + n_b, so a team may look every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import t as student_t

from launchloop.stats.statistics import (
    RegressionAdjustedStatistic,
    Statistic,
    base_mean,
    with_theta,
)

Difference = Literal["relative", "absolute"]
Alternative = Literal["two-sided", "greater", "less"]

#: gbstats's default tuning parameter of the sequential test.
DEFAULT_TAU = 5000.0


@dataclass(frozen=True)
class FrequentistSettings:
    """How to compare: significance level, effect scale, alternative, sequential tuning."""

    alpha: float = 0.05
    difference: Difference = "relative"
    alternative: Alternative = "two-sided"
    sequential: bool = False
    tau: float = DEFAULT_TAU


@dataclass(frozen=True)
class FrequentistResult:
    """The effect of a treatment: point estimate, interval, p-value; or why there is none."""

    effect: float = 0.0
    ci: tuple[float, float] = (0.0, 0.0)
    p_value: float = 1.0
    std_error: float = 0.0
    dof: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class Effect:
    """The point estimate of the effect, its variance and Welch's degrees of freedom."""

    point: float
    variance: float
    dof: float


def degenerate(a: Statistic, b: Statistic, difference: Difference) -> str | None:
    """Why two statistics cannot be compared (too few units, zero control, no variance).

    As gbstats, a variant whose units all have the same value (0 of n converted, or n of n)
    makes the comparison degenerate: its delta-method variance would be 0.
    """
    if a.n < 2 or b.n < 2:
        return "not enough data: each variant needs at least two units"
    if difference == "relative" and base_mean(a) == 0:
        return "the control mean is zero: a relative lift is undefined"
    if a.variance <= 0 or b.variance <= 0:
        return "zero variance: every unit of a variant has the same value"
    return None


def effect_of(a: Statistic, b: Statistic, difference: Difference = "relative") -> Effect:
    """The effect of ``b`` over ``a`` with its delta-method variance and Welch dof."""
    var_a, var_b = a.variance / a.n, b.variance / b.n
    if difference == "relative":
        mean_a = base_mean(a)
        point = (b.mean - a.mean) / mean_a
        variance = var_b / mean_a**2 + var_a * base_mean(b) ** 2 / mean_a**4
    else:
        point = b.mean - a.mean
        variance = var_a + var_b
    return Effect(point, variance, welch_dof(a, b))


def welch_dof(a: Statistic, b: Statistic) -> float:
    """Welch-Satterthwaite degrees of freedom of the difference of two means."""
    var_a, var_b = a.variance / a.n, b.variance / b.n
    denominator = var_a**2 / (a.n - 1) + var_b**2 / (b.n - 1)
    return (var_a + var_b) ** 2 / denominator if denominator > 0 else float(a.n + b.n - 2)


def prepared(a: Statistic, b: Statistic) -> tuple[Statistic, Statistic]:
    """The statistics as compared: CUPED ones get their pooled ``theta``."""
    if isinstance(a, RegressionAdjustedStatistic) and isinstance(b, RegressionAdjustedStatistic):
        return with_theta(a, b)
    return a, b


def t_test(
    a: Statistic, b: Statistic, settings: FrequentistSettings | None = None
) -> FrequentistResult:
    """Compare treatment ``b`` with control ``a`` (Welch t, or sequential when asked)."""
    settings = settings or FrequentistSettings()
    a, b = prepared(a, b)
    if (why := degenerate(a, b, settings.difference)) is not None:
        return FrequentistResult(error=why)
    found = effect_of(a, b, settings.difference)
    if settings.sequential:
        return _sequential(found, a.n + b.n, settings)
    return _fixed_horizon(found, settings)


def _fixed_horizon(found: Effect, settings: FrequentistSettings) -> FrequentistResult:
    se = float(np.sqrt(found.variance))
    statistic = found.point / se
    if settings.alternative == "two-sided":
        half = student_t.ppf(1 - settings.alpha / 2, found.dof) * se
        ci = (found.point - half, found.point + half)
        p = 2 * student_t.sf(abs(statistic), found.dof)
    elif settings.alternative == "greater":
        ci = (found.point - student_t.ppf(1 - settings.alpha, found.dof) * se, np.inf)
        p = student_t.sf(statistic, found.dof)
    else:
        ci = (-np.inf, found.point + student_t.ppf(1 - settings.alpha, found.dof) * se)
        p = student_t.cdf(statistic, found.dof)
    return FrequentistResult(found.point, (float(ci[0]), float(ci[1])), float(p), se, found.dof)


def sequential_rho(alpha: float, tau: float) -> float:
    """The mixing parameter of the confidence sequence (eq. 161 of arXiv 2103.06476)."""
    return float(np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tau))


def _sequential(found: Effect, n: int, settings: FrequentistSettings) -> FrequentistResult:
    """Always-valid two-sided interval and p-value (eq. 155: 1 / e-value, capped at 1)."""
    if settings.tau <= 0:
        return FrequentistResult(error="the sequential tuning parameter must be positive")
    rho2 = sequential_rho(settings.alpha, settings.tau) ** 2
    unit_variance = found.variance * n
    spread = n * rho2 + 1
    width = np.sqrt(unit_variance) * np.sqrt(
        2 * spread * np.log(np.sqrt(spread) / settings.alpha) / (n**2 * rho2)
    )
    squared = found.point**2 * n / found.variance
    e_value = np.exp(rho2 * squared / (2 * spread)) / np.sqrt(spread)
    ci = (float(found.point - width), float(found.point + width))
    se = float(np.sqrt(found.variance))
    return FrequentistResult(found.point, ci, float(min(1 / e_value, 1.0)), se, found.dof)
