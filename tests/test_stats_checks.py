"""SRM against scipy, Holm and Benjamini-Hochberg against hand examples, power by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from scipy.stats import norm

from launchloop.stats.frequentist import t_test
from launchloop.stats.multiple import adjust, benjamini_hochberg, holm
from launchloop.stats.power import sample_size, units_per_variant
from launchloop.stats.srm import srm_check
from launchloop.stats.statistics import Proportion


@pytest.mark.parametrize(
    ("observed", "weights"),
    [([5000, 5100], [0.5, 0.5]), ([5000, 5400], [1, 1]), ([300, 310, 620], [0.25, 0.25, 0.5])],
)
def test_srm_matches_scipy_chisquare(observed: list[int], weights: list[float]) -> None:
    result = srm_check(observed, weights)
    expected = np.array(weights) / sum(weights) * sum(observed)
    theirs = scipy_stats.chisquare(observed, expected)
    assert result.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    assert result.flagged == (theirs.pvalue < 0.001)


def test_srm_flags_a_broken_split_only() -> None:
    assert srm_check([5000, 5400], [0.5, 0.5]).flagged
    assert not srm_check([5000, 5100], [0.5, 0.5]).flagged


@pytest.mark.parametrize(
    ("observed", "weights"),
    [([0, 0], [0.5, 0.5]), ([10], [1.0]), ([10, -1], [0.5, 0.5]), ([10, 10], [1.0, 0.0])],
)
def test_srm_degenerate_input_carries_an_error(observed: list[int], weights: list[float]) -> None:
    result = srm_check(observed, weights)
    assert result.error and not result.flagged and result.p_value == 1.0


def test_holm_by_hand() -> None:
    # sorted 0.01, 0.02, 0.04 with m = 3: 3 * 0.01, max(0.03, 2 * 0.02), max(0.04, 1 * 0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])


def test_benjamini_hochberg_by_hand() -> None:
    # m = 4, ranks 1..4 of 0.01, 0.02, 0.03, 0.2: 0.04, 0.04, 0.04, 0.2 (step-up minimum)
    assert benjamini_hochberg([0.2, 0.03, 0.01, 0.02]) == pytest.approx([0.2, 0.04, 0.04, 0.04])
    # 0.04 * 2 / 1 = 0.08 but the minimum with rank 2's 0.045 * 2 / 2 keeps 0.045
    assert benjamini_hochberg([0.04, 0.045]) == pytest.approx([0.045, 0.045])
    assert adjust([0.3, 0.01], "none") == [0.3, 0.01]


def test_corrections_against_statsmodels_free_reference() -> None:
    """Holm and BH on random p-values against a brute-force definition of each."""
    p = list(np.random.default_rng(9).uniform(0, 0.2, 7))
    m, order = len(p), sorted(range(len(p)), key=lambda i: p[i])
    for position, index in enumerate(order):
        by_holm = max(min((m - k) * p[order[k]], 1) for k in range(position + 1))
        by_bh = min(min(m * p[order[k]] / (k + 1), 1) for k in range(position, m))
        assert holm(p)[index] == pytest.approx(by_holm)
        assert benjamini_hochberg(p)[index] == pytest.approx(by_bh)


def test_sample_size_closed_form_by_hand() -> None:
    p1, p2 = 0.1, 0.12
    va, vb = p1 * (1 - p1), p2 * (1 - p2)
    reach = norm.ppf(0.975) * math.sqrt(vb + va * 1.2**2) + norm.ppf(0.8) * math.sqrt(va + vb)
    assert units_per_variant(0.1, 0.2) == pytest.approx(reach**2 / 0.02**2, rel=1e-12)
    # At r = 1 (a vanishing change) it tends to the textbook (z_a + z_b)^2 * 2 var / d^2.
    tiny = units_per_variant(0.1, 1e-6) * (0.1 * 1e-6) ** 2
    assert tiny == pytest.approx((norm.ppf(0.975) + norm.ppf(0.8)) ** 2 * 2 * va, rel=1e-4)
    result = sample_size(0.1, 0.2, daily_traffic=1000, variants=3)
    assert result.per_variant == math.ceil(reach**2 / 0.02**2)
    assert result.total == 3 * result.per_variant
    assert result.days == math.ceil(result.total / 1000)


def test_sample_size_gives_the_promised_power_in_simulation() -> None:
    n = sample_size(0.1, 0.2).per_variant
    rng = np.random.default_rng(10)
    control, treated = rng.binomial(n, 0.1, 1500), rng.binomial(n, 0.12, 1500)
    rejected = [
        t_test(Proportion(n, int(a)), Proportion(n, int(b))).p_value < 0.05
        for a, b in zip(control, treated, strict=True)
    ]
    assert np.mean(rejected) == pytest.approx(0.8, abs=0.04)


def test_mean_metric_sample_size_uses_its_variance() -> None:
    small = sample_size(10.0, 0.05, variance=25.0)
    large = sample_size(10.0, 0.05, variance=100.0)
    assert large.per_variant == pytest.approx(4 * small.per_variant, rel=0.01)


@pytest.mark.parametrize(
    "arguments",
    [
        {"baseline": 0.0, "mde": 0.1},
        {"baseline": 0.1, "mde": 0.0},
        {"baseline": 0.9, "mde": 0.5},
        {"baseline": 5.0, "mde": 0.1, "variance": 0.0},
        {"baseline": 0.1, "mde": 0.1, "variants": 1},
        {"baseline": 0.1, "mde": 0.1, "daily_traffic": 0},
    ],
)
def test_power_bad_input_carries_an_error(arguments: dict[str, float]) -> None:
    assert sample_size(**arguments).error  # type: ignore[arg-type]
