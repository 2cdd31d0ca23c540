"""The detectors, declared once: adding a detector means adding its module and one line here.

Each detector's ``find`` reads what it needs through the :class:`DetectionContext` (the thin
I/O part) and hands it to the module's pure detection function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from launchloop.detect import (
    friction_hotspot,
    funnel_drop,
    kpi_moved,
    kpi_target,
    launch_watch,
    theme_surge,
)
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding


@dataclass(frozen=True)
class Detector:
    """A named detector, the signal kind it produces and the function that runs it."""

    name: str
    kind: str
    find: Callable[[DetectionContext], list[Finding]]
    description: str


DETECTORS: tuple[Detector, ...] = (
    Detector("kpi_off_target", kpi_target.KIND, kpi_target.find_off_target,
             "A KPI misses its target over the period."),
    Detector("kpi_moved", kpi_moved.KIND, kpi_moved.find_moves,
             "A KPI's daily values moved beyond its seasonal noise."),
    Detector("funnel_drop", funnel_drop.KIND, funnel_drop.find_funnel_drops,
             "A funnel step's conversion fell, or a segment lags far behind at it."),
    Detector("friction_hotspot", friction_hotspot.KIND, friction_hotspot.find_hotspots,
             "Friction concentrated on a page beyond its share of sessions."),
    Detector("theme_surge", theme_surge.KIND, theme_surge.find_theme_surges,
             "A feedback theme's volume far above its baseline, or a new theme."),
    Detector("launch_watch", launch_watch.KIND, launch_watch.find_launch_moves,
             "In the weeks after a launch, each of its KPIs against the days before."),
)  # fmt: skip
