"""Confidence of an insight, computed from its evidence: how many independent kinds agree.

Evidence falls in families that fail independently: usage data (queries, KPI and funnel and
friction signals), field feedback (feedback items, theme surges), observations by people, and
past learnings. Two queries over the same events are one family, not two. A family with
contradicting evidence cancels one agreeing family. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Family of each signal kind.
SIGNAL_FAMILIES: dict[str, str] = {
    "kpi_moved": "usage",
    "kpi_off_target": "usage",
    "funnel_drop": "usage",
    "friction_hotspot": "usage",
    "theme_surge": "feedback",
    "observation": "observation",
}
#: Family of each evidence kind other than signals.
KIND_FAMILIES: dict[str, str] = {"query": "usage", "feedback": "feedback", "learning": "learning"}
#: Confidence by number of agreeing independent families (the usual RICE steps).
LEVELS: tuple[tuple[float, str], ...] = (
    (0.0, "none"),
    (0.5, "low"),
    (0.8, "medium"),
    (1.0, "high"),
)


@dataclass(frozen=True)
class EvidenceFamily:
    """One piece of evidence reduced to what confidence needs."""

    family: str
    supports: bool


@dataclass(frozen=True)
class Confidence:
    """The confidence score (0..1), its level, and the families behind it."""

    score: float
    level: str
    agreeing: tuple[str, ...]
    contradicting: tuple[str, ...]


def family_of(kind: str, signal_kind: str | None = None) -> str:
    """The independent family of an evidence ``kind`` (and of its signal's kind)."""
    if kind == "signal":
        return SIGNAL_FAMILIES.get(signal_kind or "", "observation")
    return KIND_FAMILIES[kind]


def confidence(evidence: Iterable[EvidenceFamily]) -> Confidence:
    """Score evidence: families that agree, minus families that contradict, mapped to LEVELS."""
    pieces = list(evidence)
    contradicting = sorted({e.family for e in pieces if not e.supports})
    agreeing = sorted({e.family for e in pieces if e.supports} - set(contradicting))
    net = max(0, len(agreeing) - len(contradicting))
    score, level = LEVELS[min(net, len(LEVELS) - 1)]
    return Confidence(score, level, tuple(agreeing), tuple(contradicting))
