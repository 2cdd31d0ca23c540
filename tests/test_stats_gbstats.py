"""Our statistics against GrowthBook's gbstats: its published numbers, and gbstats 0.8.0 itself.

gbstats 0.8.0 pins numpy<2 and pandas<2, so the oracle runs in a virtualenv made by the test
(installed from the machine's package index; the oracle tests skip when pip cannot install it).
Differences by design: gbstats refuses a zero control mean even for an absolute difference; we
compute it when the control still varies (a sample mean of -1s and 1s), since it is defined. No
case below has such a control, so every number here must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from launchloop.stats.bayesian import BayesianSettings, bayesian_test
from launchloop.stats.frequentist import FrequentistSettings, t_test
from launchloop.stats.statistics import (
    Proportion,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMean,
    Statistic,
)


def test_conversion_lift_interval_and_p_value_as_gbstats() -> None:
    result = t_test(Proportion(1000, 100), Proportion(1000, 130))
    assert result.effect == pytest.approx(0.300000, abs=1e-6)
    assert result.ci == pytest.approx((-0.019375, 0.619375), abs=1e-6)
    assert result.p_value == pytest.approx(0.065597, abs=1e-6)


def test_sequential_interval_and_p_value_as_gbstats() -> None:
    """gbstats reports the always-valid p-value min(1, 1 / e-value), not the t-test's."""
    settings = FrequentistSettings(sequential=True, tau=5000)
    result = t_test(Proportion(1000, 100), Proportion(1000, 130), settings)
    assert result.ci == pytest.approx((-0.208706, 0.808706), abs=1e-6)
    assert result.p_value == pytest.approx(0.562221, abs=1e-6)


def test_bayesian_chance_to_win_and_risk_as_gbstats() -> None:
    result = bayesian_test(Proportion(1000, 100), Proportion(1000, 130))
    assert result.chance_to_win == pytest.approx(0.967276, abs=1e-6)
    assert result.risk == pytest.approx((0.302089, 0.002089), abs=1e-6)


def test_published_small_sample_case() -> None:
    result = t_test(Proportion(28, 14), Proportion(30, 16))
    assert result.effect == pytest.approx(0.06667, abs=1e-5)
    assert result.ci == pytest.approx((-0.47767, 0.61101), abs=1e-5)
    assert result.p_value == pytest.approx(0.80707, abs=1e-5)


def test_published_bayesian_case() -> None:
    result = bayesian_test(Proportion(100, 49), Proportion(100, 51))
    assert result.chance_to_win == pytest.approx(0.60918, abs=1e-5)
    assert result.risk == pytest.approx((0.0814, 0.04058), abs=1e-5)


# -- the oracle: gbstats 0.8.0 in a virtualenv of its own ---------------------------------------

ORACLE = r"""
import json, sys
from gbstats.models.statistics import (
    ProportionStatistic, RatioStatistic, RegressionAdjustedStatistic, SampleMeanStatistic)
from gbstats.frequentist.tests import (
    FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest)
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig

def stat(s):
    if s["kind"] == "proportion":
        return ProportionStatistic(n=s["n"], sum=s["sum"])
    if s["kind"] == "ratio":
        return RatioStatistic(n=s["n"], m_statistic=stat(s["m"]), d_statistic=stat(s["d"]),
                              m_d_sum_of_products=s["sum_products"])
    if s["kind"] == "cuped":
        return RegressionAdjustedStatistic(n=s["n"], post_statistic=stat(s["post"]),
            pre_statistic=stat(s["pre"]), post_pre_sum_of_products=s["sum_products"], theta=0)
    return SampleMeanStatistic(n=s["n"], sum=s["sum"], sum_squares=s["sum_squares"])

out = []
for case in json.load(sys.stdin):
    a, b, d = stat(case["a"]), stat(case["b"]), case["difference"]
    f = TwoSidedTTest(a, b, FrequentistConfig(difference_type=d)).compute_result()
    s = SequentialTwoSidedTTest(
        a, b, SequentialConfig(difference_type=d, sequential_tuning_parameter=5000)
    ).compute_result()
    y = EffectBayesianABTest(a, b, EffectBayesianConfig(difference_type=d)).compute_result()
    out.append({
        "effect": f.expected, "ci": list(f.ci), "p": f.p_value, "error": f.error_message,
        "seq_ci": list(s.ci), "seq_p": s.p_value,
        "ctw": y.chance_to_win, "risk": list(y.risk), "cred": list(y.ci),
    })
print(json.dumps(out))
"""

C = "proportion"
#: Binomial and mean, small and large, a negative lift, zero conversions, three variants.
CASES: list[dict[str, Any]] = [
    {"a": {"kind": C, "n": 1000, "sum": 100}, "b": {"kind": C, "n": 1000, "sum": 130}},
    {"a": {"kind": C, "n": 28, "sum": 14}, "b": {"kind": C, "n": 30, "sum": 16}},
    {"a": {"kind": C, "n": 100, "sum": 49}, "b": {"kind": C, "n": 100, "sum": 51}},
    {"a": {"kind": C, "n": 250_000, "sum": 12_400}, "b": {"kind": C, "n": 251_000, "sum": 12_100}},
    {"a": {"kind": C, "n": 12, "sum": 2}, "b": {"kind": C, "n": 9, "sum": 4}},
    {"a": {"kind": C, "n": 500, "sum": 40}, "b": {"kind": C, "n": 500, "sum": 0}},
    {"a": {"kind": C, "n": 500, "sum": 0}, "b": {"kind": C, "n": 500, "sum": 3}},
    {
        "a": {"kind": "mean", "n": 400, "sum": 2000.0, "sum_squares": 14000.0},
        "b": {"kind": "mean", "n": 500, "sum": 2750.0, "sum_squares": 19000.0},
    },
    {
        "a": {"kind": "mean", "n": 15, "sum": 30.5, "sum_squares": 90.25},
        "b": {"kind": "mean", "n": 11, "sum": 18.0, "sum_squares": 41.0},
    },
    # Three variants: two treatments against one control.
    {"a": {"kind": C, "n": 3000, "sum": 300}, "b": {"kind": C, "n": 2950, "sum": 320}},
    {"a": {"kind": C, "n": 3000, "sum": 300}, "b": {"kind": C, "n": 3040, "sum": 262}},
]


def oracle_cases() -> list[dict[str, Any]]:
    """Every case, relative and absolute."""
    cases = CASES + paired_cases(21) + paired_cases(22)
    return [
        {**case, "difference": difference}
        for case in cases
        for difference in ("relative", "absolute")
    ]


def ours(spec: dict[str, Any]) -> Statistic:
    """Our statistic of an oracle case's side."""
    if spec["kind"] == C:
        return Proportion(spec["n"], spec["sum"])
    if spec["kind"] == "ratio":
        return RatioStatistic(
            spec["n"],
            ours(spec["m"]),
            ours(spec["d"]),
            spec["sum_products"],  # type: ignore[arg-type]
        )
    if spec["kind"] == "cuped":
        return RegressionAdjustedStatistic(
            spec["n"],
            ours(spec["post"]),
            ours(spec["pre"]),
            spec["sum_products"],  # type: ignore[arg-type]
        )
    return SampleMean(spec["n"], spec["sum"], spec["sum_squares"])


def mean_spec(values: np.ndarray) -> dict[str, Any]:
    """An oracle case's sample mean of raw values."""
    return {
        "kind": "mean",
        "n": len(values),
        "sum": float(values.sum()),
        "sum_squares": float((values**2).sum()),
    }


def paired_cases(seed: int) -> list[dict[str, Any]]:
    """A ratio case (revenue per session) and a CUPED case (post on pre) from raw arrays."""
    rng = np.random.default_rng(seed)
    sides: dict[str, list[dict[str, Any]]] = {"ratio": [], "cuped": []}
    for n, lift in ((700, 1.0), (650, 1.08)):
        sessions = rng.poisson(3, n).astype(float) + 1
        revenue = sessions * rng.gamma(2, 5, n) * lift
        pre = rng.gamma(2, 5, n)
        post = pre * 0.7 + rng.gamma(2, 2, n) * lift
        sides["ratio"].append(
            {
                "kind": "ratio",
                "n": n,
                "m": mean_spec(revenue),
                "d": mean_spec(sessions),
                "sum_products": float((revenue * sessions).sum()),
            }
        )
        sides["cuped"].append(
            {
                "kind": "cuped",
                "n": n,
                "post": mean_spec(post),
                "pre": mean_spec(pre),
                "sum_products": float((post * pre).sum()),
            }
        )
    return [{"a": a, "b": b} for a, b in sides.values()]


CASE_TABLE = oracle_cases()


def gbstats_answers(home: Path) -> list[dict[str, Any]]:
    """gbstats 0.8.0's answers for CASE_TABLE, from a virtualenv made in ``home``."""
    venv.create(home, with_pip=True)
    python = home / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "gbstats==0.8.0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        pytest.skip(f"gbstats 0.8.0 cannot be installed here: {install.stderr[-300:]}")
    answer = subprocess.run(
        [str(python), "-c", ORACLE],
        input=json.dumps(CASE_TABLE),
        capture_output=True,
        text=True,
        check=True,
        cwd=home,
        timeout=300,
    )
    return list(json.loads(answer.stdout.strip().splitlines()[-1]))


def close(left: float, right: float) -> bool:
    """Within 1e-6 relative (1e-12 absolute near zero)."""
    return bool(left == pytest.approx(right, rel=1e-6, abs=1e-12))


def mismatches(case: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """What of our answer to ``case`` differs from gbstats's (empty when all agree)."""
    a, b = ours(case["a"]), ours(case["b"])
    fixed = t_test(a, b, FrequentistSettings(difference=case["difference"]))
    sequential = t_test(a, b, FrequentistSettings(difference=case["difference"], sequential=True))
    bayes = bayesian_test(a, b, BayesianSettings(difference=case["difference"]))
    if theirs["error"]:
        both = fixed.error and sequential.error and bayes.error
        return [] if both else [f"gbstats refuses ({theirs['error']}), we do not"]
    if fixed.error or sequential.error or bayes.error:
        return [f"we refuse: {fixed.error or sequential.error or bayes.error}"]
    pairs = {
        "effect": ([fixed.effect], [theirs["effect"]]),
        "ci": (fixed.ci, theirs["ci"]),
        "p": ([fixed.p_value], [theirs["p"]]),
        "sequential ci": (sequential.ci, theirs["seq_ci"]),
        "sequential p": ([sequential.p_value], [theirs["seq_p"]]),
        "chance to win": ([bayes.chance_to_win], [theirs["ctw"]]),
        "risk": (bayes.risk, theirs["risk"]),
        "credible interval": (bayes.ci, theirs["cred"]),
    }
    return [
        f"{name}: ours {list(mine)} gbstats {list(other)}"
        for name, (mine, other) in pairs.items()
        if not all(close(x, y) for x, y in zip(mine, other, strict=True))
    ]


def test_agrees_with_gbstats_on_every_case(tmp_path: Path) -> None:
    """One virtualenv for the whole table (so parallel workers do not build one each)."""
    answers = gbstats_answers(tmp_path / "gbstats")
    assert len(answers) == len(CASE_TABLE)
    assert sum(1 for answer in answers if not answer["error"]) >= len(CASE_TABLE) - 4
    found = {
        f"case {i} {case['difference']}": wrong
        for i, (case, answer) in enumerate(zip(CASE_TABLE, answers, strict=True))
        if (wrong := mismatches(case, answer))
    }
    assert not found, found
