"""Sample ratio mismatch: do the exposed counts fit the planned split? (Pearson chi-square)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import chi2

#: Below this p-value the split is flagged (gbstats's, Eppo's and Statsig's red threshold).
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    """The chi-square statistic, its p-value, whether it is flagged; or why there is none."""

    statistic: float = 0.0
    p_value: float = 1.0
    flagged: bool = False
    expected: tuple[float, ...] = ()
    error: str | None = None


def srm_check(
    observed: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SrmResult:
    """Pearson chi-square of ``observed`` units per variant against the planned ``weights``."""
    if len(observed) != len(weights) or len(observed) < 2:
        return SrmResult(error="need at least two variants, with one weight each")
    if any(count < 0 for count in observed) or any(w < 0 for w in weights):
        return SrmResult(error="counts and weights cannot be negative")
    total, weight = sum(observed), sum(weights)
    if total == 0 or weight <= 0:
        return SrmResult(error="not enough data: no exposed units")
    expected = tuple(total * w / weight for w in weights)
    if any(e == 0 for e in expected):
        return SrmResult(error="a variant has weight 0")
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    p_value = float(chi2.sf(statistic, len(observed) - 1))
    return SrmResult(float(statistic), p_value, p_value < threshold, expected)
