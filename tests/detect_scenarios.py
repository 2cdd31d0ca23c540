"""Scoring a detection run against a simulated launch's known injected effects.

The scenarios themselves (events, KPIs, themes and tickets, with a browser's sign-up fall, rage
clicks and a new theme from an effect day) come from ``launchloop.simulation``, which
``launchloop demo`` uses too; re-exported here for the tests and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchloop.knowledge.models import Signal
from launchloop.simulation import Scenario, scenario, seed_scenario

__all__ = ["Scenario", "Score", "scenario", "score", "seed_scenario"]


@dataclass(frozen=True)
class Score:
    """What a run found of the injected effects, and its false alarms."""

    funnel_drop: bool
    friction_hotspot: bool
    theme_surge: bool
    joined: bool
    true_signals: int
    false_signals: tuple[str, ...]


def score(case: Scenario, signals: list[Signal], drafts: list[Any], theme_id: int) -> Score:
    """Match the run's signals against the injected effects."""
    drop = [s for s in signals if _is_drop(case, s)]
    spot = [s for s in signals if s.kind == "friction_hotspot" and s.payload["path"] == "/signup"
            and s.payload["friction"] == "rage_click"]  # fmt: skip
    surge = [s for s in signals if s.kind == "theme_surge" and s.payload["theme_id"] == theme_id]
    # The sign-up KPI's own moves and misses are true too: its conversion did fall.
    kpi = [s for s in signals if _is_kpi_fall(s)]
    true = {id(s) for s in drop + spot + surge + kpi}
    wanted = {s.id for s in drop[:1] + spot[:1] + surge[:1]}
    joined = (
        bool(wanted)
        and len(wanted) == 3
        and any(wanted <= {e.signal_id for e in d.evidence} for d in drafts)
    )
    false = tuple(s.text for s in signals if id(s) not in true)
    return Score(bool(drop), bool(spot), bool(surge), joined, len(true), false)


def _is_drop(case: Scenario, signal: Signal) -> bool:
    if signal.kind != "funnel_drop" or signal.payload["to_event"] != "signup_completed":
        return False
    top = signal.payload["segments"][0] if signal.payload["segments"] else {}
    return (top.get("dimension"), top.get("value")) == ("browser", case.browser)


def _is_kpi_fall(signal: Signal) -> bool:
    if signal.kind not in ("kpi_moved", "kpi_off_target"):
        return False
    return signal.payload.get("kpi") == "Sign-up conversion" and signal.payload.get("z", -1) < 0
