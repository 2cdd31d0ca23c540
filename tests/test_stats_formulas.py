"""Sufficient statistics against numpy on raw arrays; Welch against scipy; degenerate inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from launchloop.stats.bayesian import BayesianSettings, Prior, bayesian_test
from launchloop.stats.frequentist import FrequentistSettings, t_test
from launchloop.stats.statistics import (
    Proportion,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMean,
    cuped_theta,
)


def sample_mean(values: np.ndarray) -> SampleMean:
    """The sufficient statistics of raw values."""
    return SampleMean(len(values), float(values.sum()), float((values**2).sum()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sample_mean_matches_numpy(seed: int) -> None:
    values = np.random.default_rng(seed).gamma(2.0, 3.0, size=500)
    stat = sample_mean(values)
    assert stat.mean == pytest.approx(values.mean(), rel=1e-12)
    assert stat.variance == pytest.approx(values.var(ddof=1), rel=1e-9)


def test_sample_means_add_up_to_the_pooled_array() -> None:
    rng = np.random.default_rng(4)
    left, right = rng.normal(5, 2, 300), rng.normal(7, 1, 200)
    pooled = sample_mean(left) + sample_mean(right)
    both = np.concatenate([left, right])
    assert pooled.n == 500
    assert pooled.variance == pytest.approx(both.var(ddof=1), rel=1e-9)
    assert (Proportion(10, 3) + Proportion(5, 4)).mean == pytest.approx(7 / 15)


def test_proportion_is_bernoulli() -> None:
    values = np.array([1] * 37 + [0] * 163)
    stat = Proportion(200, 37)
    assert stat.mean == values.mean()
    assert stat.variance == pytest.approx(values.var(ddof=0), rel=1e-12)


def test_ratio_variance_is_the_delta_method_on_raw_arrays() -> None:
    rng = np.random.default_rng(5)
    sessions = rng.poisson(3, 400).astype(float) + 1
    revenue = sessions * rng.gamma(2, 5, 400)
    stat = RatioStatistic(
        400, sample_mean(revenue), sample_mean(sessions), float((revenue * sessions).sum())
    )
    assert stat.mean == pytest.approx(revenue.sum() / sessions.sum(), rel=1e-12)
    mm, md = revenue.mean(), sessions.mean()
    cov = np.cov(revenue, sessions, ddof=1)
    expected = cov[0, 0] / md**2 - 2 * cov[0, 1] * mm / md**3 + mm**2 * cov[1, 1] / md**4
    assert stat.variance == pytest.approx(expected, rel=1e-9)
    # The delta method approximates the variance of the ratio of means: bootstrap agrees.
    picks = rng.integers(0, 400, size=(4000, 400))
    boot = revenue[picks].sum(axis=1) / sessions[picks].sum(axis=1)
    assert stat.variance / 400 == pytest.approx(boot.var(), rel=0.15)


def test_cuped_theta_is_the_pooled_regression_slope() -> None:
    rng = np.random.default_rng(6)
    pre_a, pre_b = rng.normal(10, 3, 300), rng.normal(10, 3, 350)
    post_a, post_b = pre_a * 0.8 + rng.normal(0, 1, 300), pre_b * 0.8 + rng.normal(1, 1, 350)

    def adjusted(post: np.ndarray, pre: np.ndarray) -> RegressionAdjustedStatistic:
        return RegressionAdjustedStatistic(
            len(post), sample_mean(post), sample_mean(pre), float((post * pre).sum())
        )

    a, b = adjusted(post_a, pre_a), adjusted(post_b, pre_b)
    pre, post = np.concatenate([pre_a, pre_b]), np.concatenate([post_a, post_b])
    slope = np.cov(post, pre, ddof=1)[0, 1] / pre.var(ddof=1)
    assert cuped_theta(a, b) == pytest.approx(slope, rel=1e-9)
    plain = t_test(a.post, b.post, FrequentistSettings(difference="absolute"))
    reduced = t_test(a, b, FrequentistSettings(difference="absolute"))
    assert reduced.std_error < plain.std_error / 2
    # The adjusted difference equals the difference of the residual means post - theta * pre.
    residual_a, residual_b = post_a - slope * pre_a, post_b - slope * pre_b
    assert reduced.effect == pytest.approx(residual_b.mean() - residual_a.mean(), rel=1e-9)


@pytest.mark.parametrize("seed", [7, 8])
def test_absolute_welch_test_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(10, 2, 80), rng.normal(10.6, 3, 120)
    ours = t_test(sample_mean(a), sample_mean(b), FrequentistSettings(difference="absolute"))
    theirs = scipy_stats.ttest_ind(b, a, equal_var=False)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    interval = theirs.confidence_interval(0.95)
    assert ours.ci == pytest.approx((interval.low, interval.high), rel=1e-9)
    greater = t_test(
        sample_mean(a),
        sample_mean(b),
        FrequentistSettings(difference="absolute", alternative="greater"),
    )
    one_sided = scipy_stats.ttest_ind(b, a, equal_var=False, alternative="greater")
    assert greater.p_value == pytest.approx(one_sided.pvalue, rel=1e-9)


def test_relative_lift_variance_is_the_delta_method_by_hand() -> None:
    a, b = SampleMean(400, 2000.0, 14000.0), SampleMean(500, 2750.0, 19000.0)
    var_a, var_b = (14000 - 2000**2 / 400) / 399, (19000 - 2750**2 / 500) / 499
    variance = var_b / (25 * 500) + var_a * 5.5**2 / (5**4 * 400)
    result = t_test(a, b)
    assert result.effect == pytest.approx(0.1, rel=1e-12)
    assert result.std_error == pytest.approx(math.sqrt(variance), rel=1e-12)


def test_sequential_interval_is_wider_and_narrows_with_tau_tuned_to_n() -> None:
    a, b = Proportion(1000, 100), Proportion(1000, 130)
    fixed = t_test(a, b)
    sequential = t_test(a, b, FrequentistSettings(sequential=True))
    assert sequential.ci[0] < fixed.ci[0] and sequential.ci[1] > fixed.ci[1]
    assert sequential.p_value > fixed.p_value
    assert t_test(a, b, FrequentistSettings(sequential=True, tau=0)).error


def test_a_proper_prior_shrinks_toward_its_mean() -> None:
    a, b = Proportion(1000, 100), Proportion(1000, 130)
    flat = bayesian_test(a, b)
    shrunk = bayesian_test(a, b, BayesianSettings(prior=Prior(0.0, 0.01, proper=True)))
    weight = (1 / flat.std_error**2) / (1 / flat.std_error**2 + 1 / 0.01)
    assert shrunk.effect == pytest.approx(flat.effect * weight, rel=1e-12)
    assert shrunk.chance_to_win < flat.chance_to_win
    inverse = bayesian_test(a, b, BayesianSettings(inverse=True))
    assert inverse.chance_to_win == pytest.approx(1 - flat.chance_to_win)
    assert inverse.risk == pytest.approx(flat.risk[::-1])


@pytest.mark.parametrize(
    ("a", "b", "fragment"),
    [
        (Proportion(0, 0), Proportion(10, 3), "not enough data"),
        (Proportion(1, 1), Proportion(10, 3), "not enough data"),
        (Proportion(100, 0), Proportion(100, 3), "control mean is zero"),
        (Proportion(100, 10), Proportion(100, 0), "zero variance"),
        (SampleMean(50, 100.0, 200.0), SampleMean(50, 100.0, 200.0), "zero variance"),
    ],
)
def test_degenerate_inputs_carry_an_error_never_nan(
    a: Proportion | SampleMean, b: Proportion | SampleMean, fragment: str
) -> None:
    for result in (
        t_test(a, b),
        t_test(a, b, FrequentistSettings(sequential=True)),
        bayesian_test(a, b),
    ):
        assert result.error is not None and fragment in result.error
        assert all(math.isfinite(x) for x in (result.effect, *result.ci))
