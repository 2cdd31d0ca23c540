"""Sufficient statistics of a metric per variant: the only numbers the engine needs.

Each statistic is a frozen dataclass of sums the store computes (n, sum, sum of squares, cross
products) with derived ``mean`` and ``variance`` properties, and ``+`` to pool two of a kind.
Variances follow gbstats: a proportion's is p(1 - p), a sample mean's has the n - 1 divisor.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleMean:
    """A count or a sum per unit: n units, the sum of their values and of their squares."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        """The mean value per unit (0 with no units)."""
        return self.sum / self.n if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 divisor; 0 with fewer than two units)."""
        if self.n <= 1:
            return 0.0
        return max((self.sum_squares - self.sum**2 / self.n) / (self.n - 1), 0.0)

    def __add__(self, other: SampleMean) -> SampleMean:
        return SampleMean(
            self.n + other.n, self.sum + other.sum, self.sum_squares + other.sum_squares
        )


@dataclass(frozen=True)
class Proportion:
    """A conversion: n units, of which ``sum`` converted (values 0 or 1)."""

    n: int
    sum: float

    @property
    def sum_squares(self) -> float:
        """Equal to the sum, since every value is 0 or 1."""
        return self.sum

    @property
    def mean(self) -> float:
        """The conversion rate (0 with no units)."""
        return self.sum / self.n if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        """The Bernoulli variance p(1 - p), as gbstats."""
        return self.mean * (1 - self.mean)

    def __add__(self, other: Proportion) -> Proportion:
        return Proportion(self.n + other.n, self.sum + other.sum)


Moment = SampleMean | Proportion


def covariance(n: int, left: Moment, right: Moment, sum_products: float) -> float:
    """The sample covariance of two metrics measured on the same ``n`` units."""
    if n <= 1:
        return 0.0
    return (sum_products - left.sum * right.sum / n) / (n - 1)


@dataclass(frozen=True)
class RatioStatistic:
    """A ratio metric (numerator / denominator per unit, e.g. revenue per session)."""

    n: int
    numerator: SampleMean
    denominator: SampleMean
    sum_products: float

    @property
    def mean(self) -> float:
        """Total numerator over total denominator (0 when the denominator sums to 0)."""
        return self.numerator.sum / self.denominator.sum if self.denominator.sum else 0.0

    @property
    def variance(self) -> float:
        """Per-unit variance of the ratio by the delta method."""
        m, d = self.numerator, self.denominator
        if d.mean == 0:
            return 0.0
        cov = covariance(self.n, m, d, self.sum_products)
        return (
            m.variance / d.mean**2
            - 2 * cov * m.mean / d.mean**3
            + m.mean**2 * d.variance / d.mean**4
        )

    def __add__(self, other: RatioStatistic) -> RatioStatistic:
        return RatioStatistic(
            self.n + other.n,
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.sum_products + other.sum_products,
        )


@dataclass(frozen=True)
class RegressionAdjustedStatistic:
    """CUPED: a metric after exposure and the same metric before it, per unit.

    ``theta`` is the pooled regression slope of post on pre (:func:`cuped_theta`); the adjusted
    mean is ``post.mean - theta * pre.mean`` and the variance drops by the explained share.
    """

    n: int
    post: Moment
    pre: Moment
    sum_products: float
    theta: float = 0.0

    @property
    def mean(self) -> float:
        """The adjusted mean."""
        return self.post.mean - self.theta * self.pre.mean

    @property
    def unadjusted_mean(self) -> float:
        """The post-exposure mean, the base of a relative lift."""
        return self.post.mean

    @property
    def variance(self) -> float:
        """The per-unit variance of post - theta * pre."""
        cov = covariance(self.n, self.post, self.pre, self.sum_products)
        return max(
            self.post.variance + self.theta**2 * self.pre.variance - 2 * self.theta * cov, 0.0
        )


Statistic = SampleMean | Proportion | RatioStatistic | RegressionAdjustedStatistic


def cuped_theta(a: RegressionAdjustedStatistic, b: RegressionAdjustedStatistic) -> float:
    """The slope of post on pre over both variants pooled (0 when pre or post is constant)."""
    n = a.n + b.n
    post, pre = a.post + b.post, a.pre + b.pre  # type: ignore[operator]
    if pre.variance == 0 or post.variance == 0:
        return 0.0
    return covariance(n, post, pre, a.sum_products + b.sum_products) / pre.variance


def with_theta(
    a: RegressionAdjustedStatistic, b: RegressionAdjustedStatistic
) -> tuple[RegressionAdjustedStatistic, RegressionAdjustedStatistic]:
    """Both variants with the pooled ``theta`` set."""
    theta = cuped_theta(a, b)
    return (
        RegressionAdjustedStatistic(a.n, a.post, a.pre, a.sum_products, theta),
        RegressionAdjustedStatistic(b.n, b.post, b.pre, b.sum_products, theta),
    )


def base_mean(stat: Statistic) -> float:
    """The mean a relative lift divides by (the unadjusted one under CUPED)."""
    if isinstance(stat, RegressionAdjustedStatistic):
        return stat.unadjusted_mean
    return stat.mean
