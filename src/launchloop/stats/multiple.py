"""Corrections for comparing several treatments with one control: Holm and Benjamini-Hochberg.

Both return adjusted p-values in the input order; compare them with the usual alpha. Holm
controls the family-wise error rate, Benjamini-Hochberg the false discovery rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Correction = Literal["holm", "benjamini-hochberg", "none"]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: max over ranks so far of (m - rank) * p, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, index in enumerate(order):
        running = max(running, min((m - rank) * p_values[index], 1.0))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg step-up adjusted p-values: min over higher ranks of m * p / rank."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i], reverse=True)
    adjusted, running = [0.0] * m, 1.0
    for position, index in enumerate(order):
        rank = m - position
        running = min(running, m * p_values[index] / rank)
        adjusted[index] = running
    return adjusted


def adjust(p_values: Sequence[float], correction: Correction) -> list[float]:
    """The p-values adjusted by ``correction`` (unchanged for ``none``)."""
    if correction == "holm":
        return holm(p_values)
    if correction == "benjamini-hochberg":
        return benjamini_hochberg(p_values)
    return list(p_values)
