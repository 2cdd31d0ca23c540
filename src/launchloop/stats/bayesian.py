"""Bayesian comparison of a treatment with control, as gbstats's effect model computes it.

The effect (relative lift by default) has a Gaussian likelihood with the delta-method mean and
variance of :mod:`launchloop.stats.frequentist`. The prior is on the effect, Gaussian with
``prior_mean`` and ``prior_variance``; by default it is flat (improper, ``proper=False``), as
in gbstats, so the posterior is the likelihood itself. A proper prior shrinks the effect toward
its mean with precision weights. Results: the chance that the treatment beats control, the
expected loss (risk) of choosing control and of choosing the treatment, and the credible
interval of the effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from launchloop.stats.frequentist import Difference, degenerate, effect_of, prepared
from launchloop.stats.statistics import Statistic


@dataclass(frozen=True)
class Prior:
    """A Gaussian prior on the effect; ignored unless ``proper``."""

    mean: float = 0.0
    variance: float = 0.09
    proper: bool = False


@dataclass(frozen=True)
class BayesianSettings:
    """Credible level, effect scale, prior, and whether lower is better (``inverse``)."""

    alpha: float = 0.05
    difference: Difference = "relative"
    prior: Prior = Prior()
    inverse: bool = False


@dataclass(frozen=True)
class BayesianResult:
    """The posterior effect, chance to win, risks [control, treatment]; or why there is none."""

    effect: float = 0.0
    ci: tuple[float, float] = (0.0, 0.0)
    chance_to_win: float = 0.5
    risk: tuple[float, float] = (0.0, 0.0)
    std_error: float = 0.0
    error: str | None = None


def posterior(mean: float, variance: float, prior: Prior) -> tuple[float, float]:
    """The Gaussian posterior (mean, variance) of the effect given the prior."""
    if not prior.proper:
        return mean, variance
    precision = 1 / variance + 1 / prior.variance
    return (mean / variance + prior.mean / prior.variance) / precision, 1 / precision


def risks(mean: float, sd: float) -> tuple[float, float]:
    """Expected loss of choosing control, and of choosing the treatment, under N(mean, sd)."""
    z = mean / sd
    gain = mean * norm.cdf(z) + sd * norm.pdf(z)  # E[max(effect, 0)]
    return float(gain), float(gain - mean)  # E[max(-effect, 0)] = E[max(effect, 0)] - mean


def bayesian_test(
    a: Statistic, b: Statistic, settings: BayesianSettings | None = None
) -> BayesianResult:
    """Chance that ``b`` beats ``a``, the risk of each decision, the credible interval."""
    settings = settings or BayesianSettings()
    a, b = prepared(a, b)
    if (why := degenerate(a, b, settings.difference)) is not None:
        return BayesianResult(error=why)
    found = effect_of(a, b, settings.difference)
    mean, variance = posterior(found.point, found.variance, settings.prior)
    sd = float(np.sqrt(variance))
    chance = float(norm.sf(0.0, mean, sd))
    risk_control, risk_treatment = risks(mean, sd)
    if settings.inverse:
        chance = 1 - chance
        risk_control, risk_treatment = risk_treatment, risk_control
    low, high = norm.ppf([settings.alpha / 2, 1 - settings.alpha / 2], mean, sd)
    return BayesianResult(
        float(mean), (float(low), float(high)), chance, (risk_control, risk_treatment), sd
    )
