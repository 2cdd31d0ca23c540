"""Priority of an action: RICE computed from evidence, with every part shown. Pure: no I/O.

reach = persons affected per month, measured from the events of the insights' evidence (the
caller measures it, see ``knowledge/reach.py``); impact = the expected relative change on the
impact KPI, mapped to the RICE scale; confidence = from the insights' evidence; effort = entered
(person-weeks). score = reach x impact x confidence / effort.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from launchloop.errors import InvalidInput

#: (least relative change, RICE impact): massive 3, high 2, medium 1, low 0.5, minimal 0.25.
IMPACT_STEPS: tuple[tuple[float, float], ...] = (
    (0.20, 3.0),
    (0.10, 2.0),
    (0.05, 1.0),
    (0.02, 0.5),
    (0.0, 0.25),
)


@dataclass(frozen=True)
class Priority:
    """A RICE score and the parts it was computed from."""

    reach: int
    relative_change: float
    impact: float
    confidence: float
    confidence_basis: str
    effort: float
    score: float

    def as_dict(self) -> dict[str, Any]:
        """The parts as a JSON-ready dict."""
        return asdict(self)


def relative_change(baseline: float | None, expected_change: float) -> float:
    """The expected change relative to the baseline (absolute change when no baseline)."""
    if baseline is None or baseline == 0:
        return abs(expected_change)
    return abs(expected_change / baseline)


def impact_of(change: float) -> float:
    """The RICE impact step of a relative change."""
    return next(impact for least, impact in IMPACT_STEPS if change >= least)


def rice(
    *,
    reach: int,
    baseline: float | None,
    expected_change: float | None,
    confidence: float,
    effort: float | None,
    confidence_basis: str = "",
) -> Priority:
    """The RICE priority of an action from its measured reach and entered figures."""
    if reach < 0:
        raise InvalidInput("reach", "must not be negative")
    if expected_change is None:
        raise InvalidInput("expected_change", "the action needs an expected change on its KPI")
    if effort is None or effort <= 0:
        raise InvalidInput("effort", "the action needs an effort above 0 (person-weeks)")
    change = relative_change(baseline, expected_change)
    impact = impact_of(change)
    score = reach * impact * confidence / effort
    return Priority(reach, change, impact, confidence, confidence_basis, effort, round(score, 6))
