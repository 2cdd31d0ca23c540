"""The analysis of an experiment: each treatment against control, SRM, correction, power.

Pure: it takes the per-variant totals that :mod:`launchloop.experiments.totals` read from the
store and returns a frozen :class:`ExperimentResult`, whose :meth:`snapshot` is what the
knowledge base stores. The first declared variant is the control.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from launchloop.experiments.design import ExperimentMetric
from launchloop.experiments.totals import ExposureTotals, VariantTotals
from launchloop.stats.bayesian import BayesianResult, BayesianSettings, bayesian_test
from launchloop.stats.frequentist import (
    DEFAULT_TAU,
    Difference,
    FrequentistResult,
    FrequentistSettings,
    t_test,
)
from launchloop.stats.multiple import Correction, adjust
from launchloop.stats.power import PowerResult, sample_size
from launchloop.stats.srm import SrmResult, srm_check
from launchloop.stats.statistics import (
    Proportion,
    RegressionAdjustedStatistic,
    SampleMean,
    Statistic,
)


@dataclass(frozen=True)
class AnalysisSettings:
    """The method: level, effect scale, sequential looks, CUPED, correction, target change."""

    alpha: float = 0.05
    difference: Difference = "relative"
    sequential: bool = False
    tau: float = DEFAULT_TAU
    cuped_days: int | None = None
    correction: Correction = "holm"
    #: The change the action expects (relative), for the days still needed; None skips it.
    expected_change: float | None = None
    inverse: bool = False


@dataclass(frozen=True)
class VariantResult:
    """One variant: its units and mean, and (for a treatment) the tests against control."""

    name: str
    units: int
    mean: float
    frequentist: FrequentistResult | None = None
    adjusted_p_value: float | None = None
    bayesian: BayesianResult | None = None


@dataclass(frozen=True)
class ExperimentResult:
    """Every variant's result, the SRM check, exclusions, and the power at the target change."""

    metric: ExperimentMetric
    settings: AnalysisSettings
    variants: tuple[VariantResult, ...]
    srm: SrmResult
    multiple_exposures: int
    power: PowerResult | None = None
    days_running: float | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready dict of inputs, results and method (no NaN, infinities as None)."""
        finite: dict[str, Any] = _finite(asdict(self))
        return finite


def statistic_of(totals: VariantTotals, metric: ExperimentMetric, cuped: bool) -> Statistic:
    """The sufficient statistic of a variant's totals for the metric's kind."""
    if metric.kind == "conversion":
        post: Proportion | SampleMean = Proportion(totals.n, totals.sum)
        pre: Proportion | SampleMean = Proportion(totals.n, totals.pre_sum)
    else:
        post = SampleMean(totals.n, totals.sum, totals.sum_squares)
        pre = SampleMean(totals.n, totals.pre_sum, totals.pre_sum_squares)
    if cuped:
        return RegressionAdjustedStatistic(totals.n, post, pre, totals.sum_products)
    return post


def analyze(
    totals: ExposureTotals,
    metric: ExperimentMetric,
    weights: list[float],
    settings: AnalysisSettings | None = None,
    *,
    days_running: float | None = None,
) -> ExperimentResult:
    """Compare every treatment with the control (the first variant) from their totals."""
    settings = settings or AnalysisSettings()
    srm = srm_check([v.n for v in totals.variants], weights)
    cuped = bool(settings.cuped_days)
    stats = [statistic_of(v, metric, cuped) for v in totals.variants]
    control = stats[0]
    frequentist = [t_test(control, s, _frequentist(settings)) for s in stats[1:]]
    bayes = [bayesian_test(control, s, _bayesian(settings)) for s in stats[1:]]
    adjusted = _adjusted(frequentist, settings.correction)
    variants = [VariantResult(totals.variants[0].variant, control.n, _plain_mean(control))]
    for index, (found, belief) in enumerate(zip(frequentist, bayes, strict=True), start=1):
        own = totals.variants[index]
        variants.append(
            VariantResult(
                own.variant, own.n, _plain_mean(stats[index]), found, adjusted[index - 1], belief
            )
        )
    return ExperimentResult(
        metric=metric,
        settings=settings,
        variants=tuple(variants),
        srm=srm,
        multiple_exposures=totals.multiple_exposures,
        power=_power(control, metric, settings, len(stats), totals, days_running),
        days_running=days_running,
        error=_overall_error(totals, metric),
    )


def _frequentist(settings: AnalysisSettings) -> FrequentistSettings:
    return FrequentistSettings(
        alpha=settings.alpha,
        difference=settings.difference,
        sequential=settings.sequential,
        tau=settings.tau,
    )


def _bayesian(settings: AnalysisSettings) -> BayesianSettings:
    return BayesianSettings(
        alpha=settings.alpha, difference=settings.difference, inverse=settings.inverse
    )


def _adjusted(results: list[FrequentistResult], correction: Correction) -> list[float | None]:
    """Corrected p-values over the comparisons that have one (only with several treatments)."""
    valid = [i for i, r in enumerate(results) if r.error is None]
    if len(results) < 2 or not valid:
        return [None if r.error else r.p_value for r in results]
    corrected = adjust([results[i].p_value for i in valid], correction)
    by_index = dict(zip(valid, corrected, strict=True))
    return [by_index.get(i) for i in range(len(results))]


def _plain_mean(stat: Statistic) -> float:
    if isinstance(stat, RegressionAdjustedStatistic):
        return stat.unadjusted_mean
    return stat.mean


def _power(
    control: Statistic,
    metric: ExperimentMetric,
    settings: AnalysisSettings,
    arms: int,
    totals: ExposureTotals,
    days_running: float | None,
) -> PowerResult | None:
    """Units and days needed at the expected change, from the measured baseline and traffic."""
    if settings.expected_change is None:
        return None
    exposed = sum(v.n for v in totals.variants)
    daily = exposed / days_running if days_running and days_running > 0 else None
    variance = None if metric.kind == "conversion" else control.variance
    return sample_size(
        _plain_mean(control),
        settings.expected_change,
        daily_traffic=daily,
        variants=arms,
        variance=variance,
        alpha=settings.alpha,
    )


def _overall_error(totals: ExposureTotals, metric: ExperimentMetric) -> str | None:
    if any(v.n < 0 for v in totals.variants):
        return "invalid data: a variant has a negative count of units"
    if metric.kind == "conversion" and any(not 0 <= v.sum <= v.n for v in totals.variants):
        return "invalid data: conversions must be between 0 and the units"
    if sum(v.n for v in totals.variants) == 0:
        return "not enough data: no person was exposed in the experiment's dates"
    if sum(1 for v in totals.variants if v.n > 0) < 2:
        return "not enough data: only one variant has exposed persons"
    return None


def _finite(value: Any) -> Any:
    """The value with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
