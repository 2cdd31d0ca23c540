"""What an analysis reads: the exposure that assigns persons, and the metric it compares.

Exposures come in three shapes, all an event whose property names the variant:

- PostHog: ``$feature_flag_called`` with ``$feature_flag`` = the flag and the variant in
  ``$feature_flag_response`` (an experiment with ``feature_flag`` and no other exposure event);
- Segment: ``Experiment Viewed`` with the variant in ``variation`` (or ``variant``);
- our own: any exposure event with a ``variant`` (or ``variation``) property.

When an experiment names both an exposure event and a flag, the exposure must also name the
flag in ``experiment_id``, ``experiment_name`` or ``experiment`` (Segment's spec), so several
experiments can share one exposure event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from launchloop.analytics.filters import check_key
from launchloop.errors import InvalidInput

MetricKind = Literal["conversion", "count", "sum"]

POSTHOG_EXPOSURE = "$feature_flag_called"
#: Properties read for the variant of an exposure event, first non-empty wins.
VARIANT_PROPERTIES: tuple[str, ...] = ("variant", "variation")
#: Properties of an exposure event that may name its experiment (any one matching is enough).
EXPERIMENT_PROPERTIES: tuple[str, ...] = ("experiment_id", "experiment_name", "experiment")


@dataclass(frozen=True)
class Exposure:
    """The exposure event, the properties that carry the variant, the flag it must name."""

    event: str
    variant_properties: tuple[str, ...]
    flag: str | None = None
    #: The properties of which one must equal ``flag`` (when there is a flag).
    flag_properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExperimentMetric:
    """Per person after first exposure: converted (0/1), how many events, or a property's sum."""

    kind: MetricKind
    event: str
    property: str | None = None


def exposure_for(exposure_event: str | None, feature_flag: str | None) -> Exposure:
    """The exposure of an experiment from its ``exposure_event`` and ``feature_flag``."""
    if exposure_event in (None, "", POSTHOG_EXPOSURE):
        if not feature_flag:
            raise InvalidInput("feature_flag", "a $feature_flag_called exposure needs a flag")
        return Exposure(
            POSTHOG_EXPOSURE, ("$feature_flag_response",), feature_flag, ("$feature_flag",)
        )
    if feature_flag:
        return Exposure(
            str(exposure_event), VARIANT_PROPERTIES, feature_flag, EXPERIMENT_PROPERTIES
        )
    return Exposure(str(exposure_event), VARIANT_PROPERTIES)


def metric_of(kind: str, event: str | None, prop: str | None = None) -> ExperimentMetric:
    """A validated metric (``sum`` needs the numeric property it adds up)."""
    if kind not in get_args(MetricKind):
        raise InvalidInput("metric.kind", f"must be one of {', '.join(get_args(MetricKind))}")
    if not event:
        raise InvalidInput("metric.event", "a metric needs the event it counts")
    if kind == "sum":
        if not prop:
            raise InvalidInput("metric.property", "a sum metric needs the property it adds up")
        check_key(prop, "metric.property")
    return ExperimentMetric(kind, event, prop if kind == "sum" else None)  # type: ignore[arg-type]


def metric_from_kpi(kind: str, definition: dict[str, Any]) -> ExperimentMetric:
    """The metric of an experiment's primary KPI: its first event, counted per person.

    ``unique`` and conversion-like KPIs compare conversion; ``count`` compares events per person.
    """
    events = definition.get("events") or []
    first = events[0] if events else None
    name = first.get("event") if isinstance(first, dict) else first
    return metric_of("count" if kind == "count" else "conversion", name)
