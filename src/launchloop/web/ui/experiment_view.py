"""What the experiment page shows, read from an analysis snapshot (pure functions, no I/O).

A snapshot is the JSON the analysis stored (see ``experiments/snapshots.py``): it is read
defensively, since old snapshots or ones posted by hand may lack parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Option = dict[str, Any]


@dataclass(frozen=True)
class VariantRow:
    """One line of the results table; the comparison cells are empty for the control."""

    name: str
    units: int
    mean: float | None
    effect: str = ""
    interval: str = ""
    p_value: str = ""
    chance_to_win: str = ""
    risk: str = ""
    error: str | None = None
    is_control: bool = False


@dataclass(frozen=True)
class PowerStatus:
    """Persons needed at the expected change, and the days needed, run and remaining."""

    per_variant: int
    total: int
    days_needed: int | None
    days_running: float | None
    days_remaining: int | None


def is_relative(snapshot: dict[str, Any]) -> bool:
    """Whether the effects of the snapshot are relative lifts (shown as percentages)."""
    return (snapshot.get("settings") or {}).get("difference", "relative") == "relative"


def effect_text(value: float | None, relative: bool) -> str:
    """An effect as +12.3 % (relative) or +0.0123 (absolute); an open bound as ∞."""
    if value is None or not math.isfinite(value):
        return "∞"
    return f"{value:+.1%}" if relative else f"{value:+.4g}"


def variant_rows(snapshot: dict[str, Any]) -> list[VariantRow]:
    """The table's rows: the control, then each treatment against it."""
    relative = is_relative(snapshot)
    rows: list[VariantRow] = []
    for index, raw in enumerate(snapshot.get("variants") or []):
        found, belief = raw.get("frequentist") or {}, raw.get("bayesian") or {}
        base = VariantRow(str(raw.get("name")), int(raw.get("units") or 0), raw.get("mean"))
        if index == 0:
            rows.append(_replace(base, is_control=True))
            continue
        error = found.get("error") or belief.get("error")
        if error:
            rows.append(_replace(base, error=str(error)))
            continue
        p = raw.get("adjusted_p_value")
        p = found.get("p_value") if p is None else p
        low, high = (found.get("ci") or [None, None])[:2]
        risk = belief.get("risk") or [0.0, 0.0]
        rows.append(
            _replace(
                base,
                effect=effect_text(found.get("effect"), relative),
                interval=f"[{effect_text(low, relative)}, {effect_text(high, relative)}]",
                p_value="" if p is None else f"{p:.3g}",
                chance_to_win=f"{belief.get('chance_to_win', 0.0):.1%}",
                risk=f"{effect_text(risk[0], relative)} / {effect_text(risk[1], relative)}",
            )
        )
    return rows


def _replace(row: VariantRow, **changes: Any) -> VariantRow:
    return VariantRow(**{**row.__dict__, **changes})


def lift_chart(snapshot: dict[str, Any], label: str) -> Option | None:
    """An interval chart: each treatment's lift (dot) and confidence interval (bar), 0 marked.

    Relative lifts are drawn in percent. None when no treatment has a result to draw.
    """
    scale = 100.0 if is_relative(snapshot) else 1.0
    names: list[str] = []
    points: list[list[float | int]] = []
    segments: list[Option] = []
    for raw in (snapshot.get("variants") or [])[1:]:
        found = raw.get("frequentist") or {}
        low, high = (found.get("ci") or [None, None])[:2]
        if found.get("error") or low is None or high is None:
            continue
        row = len(names)
        names.append(str(raw.get("name")))
        points.append([round(found["effect"] * scale, 6), row])
        segments.append(_segment(row, low * scale, high * scale))
    if not names:
        return None
    unit = " %" if scale == 100.0 else ""
    dots = {
        "type": "scatter",
        "name": label,
        "data": points,
        "symbolSize": 14,
        "itemStyle": {"color": "#1d3f9e"},
        "markLine": {"symbol": "none", "silent": True, "data": [{"xAxis": 0}]},
    }
    return {
        "grid": {"left": 8, "right": 24, "top": 16, "bottom": 32, "containLabel": True},
        "tooltip": {"trigger": "item"},
        "xAxis": {
            "type": "value",
            "name": f"{label}{unit}",
            "nameLocation": "middle",
            "nameGap": 24,
        },
        "yAxis": {"type": "category", "data": names},
        "series": [*segments, dots],
    }


def _segment(row: int, low: float, high: float) -> Option:
    """One interval as a line from its low to its high bound on the treatment's row."""
    return {
        "type": "line",
        "data": [[round(low, 6), row], [round(high, 6), row]],
        "symbol": "none",
        "lineStyle": {"width": 4, "color": "#5b8def"},
        "silent": True,
    }


def power_status(snapshot: dict[str, Any]) -> PowerStatus | None:
    """Units and days needed at the expected change, and the days left to run (None: none)."""
    power = snapshot.get("power") or {}
    if not power or power.get("error"):
        return None
    needed, running = power.get("days"), snapshot.get("days_running")
    remaining = None
    if needed is not None and running is not None:
        remaining = max(0, math.ceil(needed - running))
    return PowerStatus(
        int(power.get("per_variant") or 0),
        int(power.get("total") or 0),
        needed,
        running,
        remaining,
    )


def best_chance(snapshot: dict[str, Any]) -> float | None:
    """The highest chance to win among the treatments (for the list of experiments)."""
    chances = [
        (raw.get("bayesian") or {}).get("chance_to_win")
        for raw in (snapshot.get("variants") or [])[1:]
        if not (raw.get("bayesian") or {}).get("error")
    ]
    found = [c for c in chances if c is not None]
    return max(found) if found else None
