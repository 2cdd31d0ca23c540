"""Funnel step drop: a step whose conversion fell, localized to the segments behind the fall.

For each step of each funnel KPI, the conversion from the previous step over the period is
tested against the baseline days before it (two proportions, one-sided). Every segment of every
breakdown (browser, device, channel, country, plan) is tested the same way against its own
baseline and gets its share of the persons lost. The segment that explains the fall is one that
fell significantly while the persons outside it did not (or least). When the whole step did not
fall but one segment did, that segment's fall is the finding; when nothing fell but a segment
converts far below the others over the period (a leak that was already there), that gap is.
Tests are Bonferroni-corrected over the steps and the segments tried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from launchloop.analytics.filters import PropertyRef
from launchloop.analytics.funnels import (
    FunnelQuery,
    FunnelResult,
    FunnelStep,
    FunnelStepResult,
    funnel,
)
from launchloop.analytics.kpis import Kpi
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.trends import OTHER
from launchloop.detect.context import DetectionContext
from launchloop.detect.dropped_voices import dropped_voices, with_voices
from launchloop.detect.findings import Finding, percent, span_text
from launchloop.detect.statistics import two_proportions

KIND = "funnel_drop"
ALPHA = 0.01
#: Fewest persons at the previous step, in a period or a segment, for a test to be tried.
MIN_PERSONS = 20
#: The breakdowns a drop is localized by: (name shown, property).
DIMENSIONS: tuple[tuple[str, PropertyRef], ...] = (
    ("browser", PropertyRef("browser", "column")),
    ("device", PropertyRef("device_type", "column")),
    ("channel", PropertyRef("utm_source", "column")),
    ("country", PropertyRef("$geoip_country_code", "event")),
    ("plan", PropertyRef("plan", "person")),
)


@dataclass(frozen=True)
class SegmentCounts:
    """Persons who entered each step, in one segment, over the period and the one before."""

    dimension: str
    value: str
    current: tuple[int, ...]
    previous: tuple[int, ...]


@dataclass(frozen=True)
class FunnelSnapshot:
    """A funnel KPI's step counts over the period and the one before, whole and by segment."""

    kpi: Kpi
    span: DateRange
    current: tuple[int, ...]
    previous: tuple[int, ...]
    segments: tuple[SegmentCounts, ...] = ()
    #: How many days ``previous`` covers (the baseline before the period).
    previous_days: int = 7


@dataclass(frozen=True)
class Culprit:
    """A segment and how much of a step's loss it explains."""

    segment: SegmentCounts
    rate_now: float
    rate_before: float | None
    lost: float
    share_of_loss: float
    share_of_persons: float
    p_value: float = 1.0
    significant: bool = False


def _rate(entered: tuple[int, ...], step: int) -> float | None:
    return entered[step] / entered[step - 1] if entered[step - 1] else None


def detect_funnel_drops(snapshot: FunnelSnapshot, *, alpha: float = ALPHA) -> list[Finding]:
    """Per step: a fall (localized), else one segment's own fall, else a lasting segment gap."""
    found: list[Finding] = []
    steps = len(snapshot.current) - 1
    cur, prev = snapshot.current, snapshot.previous
    for step in range(1, len(cur)):
        if cur[step - 1] < MIN_PERSONS:
            continue
        culprits = localize(snapshot, step, alpha=alpha / steps)
        test = two_proportions(cur[step], cur[step - 1], prev[step], prev[step - 1])
        if test and prev[step - 1] >= MIN_PERSONS and test.p_lower < alpha / steps:
            found.append(_fall(snapshot, step, test.p_lower, culprits))
            continue
        fallen = [c for c in culprits if c.significant]
        if fallen:
            found.append(_segment_fall(snapshot, step, fallen[0]))
            continue
        gap = segment_gap(snapshot, step, alpha=alpha / steps)
        if gap is not None:
            found.append(_gap(snapshot, step, *gap))
    return found


def localize(snapshot: FunnelSnapshot, step: int, *, alpha: float = ALPHA) -> list[Culprit]:
    """Segments whose own conversion at ``step`` fell: significant falls first (Bonferroni
    over the segments), then by how much more of the loss they carry than of the persons."""
    tried = [
        seg
        for seg in snapshot.segments
        if seg.value != OTHER and min(seg.current[step - 1], seg.previous[step - 1]) > 0
    ]
    losses = {seg: _lost(seg, step) for seg in tried}
    # Each segment's share of the within-segment losses of its own breakdown (the rest of an
    # overall fall is a change of mix between segments, not a fall inside one).
    by_dimension: dict[str, float] = {}
    for seg, lost in losses.items():
        by_dimension[seg.dimension] = by_dimension.get(seg.dimension, 0.0) + max(lost, 0.0)
    culprits = []
    for seg, lost in losses.items():
        total = by_dimension[seg.dimension]
        share = seg.current[step - 1] / max(snapshot.current[step - 1], 1)
        test = two_proportions(seg.current[step], seg.current[step - 1],
                               seg.previous[step], seg.previous[step - 1])  # fmt: skip
        p = test.p_lower if test else 1.0
        enough = min(seg.current[step - 1], seg.previous[step - 1]) >= MIN_PERSONS
        significant = enough and lost > 0 and p < alpha / len(tried)
        rates = (_rate(seg.current, step) or 0.0, _rate(seg.previous, step))
        culprits.append(
            Culprit(seg, *rates, lost, lost / total if total else 0.0, share, p, significant)
        )
    # A segment explains the fall when it fell and the persons outside it did not: among the
    # significant falls, the one whose complement fell least (highest p-value) comes first.
    rest = {c.segment: _rest_fall(snapshot, c.segment, step) for c in culprits}
    culprits.sort(
        key=lambda c: (
            not c.significant,
            -rest[c.segment] if c.significant else 0.0,
            -(c.share_of_loss - c.share_of_persons),
            c.segment.value,
        )
    )
    return culprits


def _rest_fall(snapshot: FunnelSnapshot, seg: SegmentCounts, step: int) -> float:
    """One-sided p-value that the persons outside ``seg`` fell at ``step`` too."""
    cur, prev = snapshot.current, snapshot.previous
    test = two_proportions(
        cur[step] - seg.current[step], cur[step - 1] - seg.current[step - 1],
        prev[step] - seg.previous[step], prev[step - 1] - seg.previous[step - 1],
    )  # fmt: skip
    return test.p_lower if test else 1.0


def _lost(seg: SegmentCounts, step: int) -> float:
    """Persons the segment lost at ``step`` against its own rate of the period before."""
    now, before = _rate(seg.current, step) or 0.0, _rate(seg.previous, step) or 0.0
    return seg.current[step - 1] * (before - now)


def segment_gap(
    snapshot: FunnelSnapshot, step: int, *, alpha: float
) -> tuple[Culprit, float] | None:
    """The segment that converts furthest below the rest at ``step``, when significantly so."""
    cur = snapshot.current
    tried = [s for s in snapshot.segments if s.value != OTHER and s.current[step - 1]]
    best: tuple[Culprit, float] | None = None
    for seg in tried:
        rest_in = cur[step - 1] - seg.current[step - 1]
        rest_on = cur[step] - seg.current[step]
        if min(seg.current[step - 1], rest_in) < MIN_PERSONS:
            continue
        test = two_proportions(seg.current[step], seg.current[step - 1], rest_on, rest_in)
        if test is None or test.p_lower >= alpha / max(len(tried), 1):
            continue
        lost = seg.current[step - 1] * -test.difference
        share = seg.current[step - 1] / cur[step - 1]
        culprit = Culprit(seg, test.first, test.second, lost, lost / max(cur[step - 1], 1), share)
        if best is None or culprit.lost > best[0].lost:
            best = (culprit, test.p_lower)
    return best


def _subjects(snapshot: FunnelSnapshot, step: int, culprits: Sequence[Culprit]) -> tuple[str, ...]:
    events = snapshot.kpi.events
    segments = tuple(f"segment:{c.segment.dimension}={c.segment.value}" for c in culprits[:1])
    return (
        f"kpi:{snapshot.kpi.name}",
        f"step:{events[step]}",
        f"step:{events[step - 1]}",
        *segments,
    )


def _fall(snapshot: FunnelSnapshot, step: int, p: float, culprits: list[Culprit]) -> Finding:
    kpi, events = snapshot.kpi, snapshot.kpi.events
    now, before = _rate(snapshot.current, step), _rate(snapshot.previous, step)
    where = ""
    if culprits and culprits[0].share_of_loss > culprits[0].share_of_persons:
        top = culprits[0]
        where = (
            f"; {top.segment.dimension} {top.segment.value} carries "
            f"{percent(top.share_of_loss)} of the loss with {percent(top.share_of_persons)} "
            f"of the persons ({percent(top.rate_before)} -> {percent(top.rate_now)})"
        )
    text = (
        f"{kpi.name}: {percent(now)} of persons went from {events[step - 1]} to {events[step]} "
        f"over {span_text(snapshot.span)}, against {percent(before)} over the "
        f"{snapshot.previous_days} days before "
        f"(p = {p:.2g}){where}"
    )
    payload = _payload(snapshot, step, "fell", p, culprits) | {"rate_before": before}
    return Finding(KIND, f"{kpi.name}|{step}|fell", text, _subjects(snapshot, step, culprits),
                   payload, kpi.name, kpi.owner_team)  # fmt: skip


def _segment_fall(snapshot: FunnelSnapshot, step: int, culprit: Culprit) -> Finding:
    kpi, events, seg = snapshot.kpi, snapshot.kpi.events, culprit.segment
    now, before = _rate(snapshot.current, step), _rate(snapshot.previous, step)
    text = (
        f"{kpi.name}: {percent(culprit.rate_now)} of {seg.dimension} {seg.value} persons went "
        f"from {events[step - 1]} to {events[step]} over {span_text(snapshot.span)}, against "
        f"{percent(culprit.rate_before)} over the {snapshot.previous_days} days before "
        f"(p = {culprit.p_value:.2g}); about "
        f"{culprit.lost:.0f} persons lost; all persons: {percent(now)}, {percent(before)} before"
    )
    payload = _payload(snapshot, step, "segment_fell", culprit.p_value, [culprit])
    payload["rate_before"] = before
    key = f"{kpi.name}|{step}|fell|{seg.dimension}={seg.value}"
    return Finding(KIND, key, text, _subjects(snapshot, step, [culprit]), payload,
                   kpi.name, kpi.owner_team)  # fmt: skip


def _gap(snapshot: FunnelSnapshot, step: int, culprit: Culprit, p: float) -> Finding:
    kpi, events, seg = snapshot.kpi, snapshot.kpi.events, culprit.segment
    text = (
        f"{kpi.name}: {percent(culprit.rate_now)} of {seg.dimension} {seg.value} persons went "
        f"from {events[step - 1]} to {events[step]} over {span_text(snapshot.span)}, against "
        f"{percent(culprit.rate_before)} of the others (p = {p:.2g}); about "
        f"{culprit.lost:.0f} persons lost at this step"
    )
    payload = _payload(snapshot, step, "segment_gap", p, [culprit]) | {
        "rate_others": culprit.rate_before
    }
    key = f"{kpi.name}|{step}|gap|{seg.dimension}={seg.value}"
    return Finding(KIND, key, text, _subjects(snapshot, step, [culprit]), payload,
                   kpi.name, kpi.owner_team)  # fmt: skip


def _payload(
    snapshot: FunnelSnapshot, step: int, mode: str, p: float, culprits: Sequence[Culprit]
) -> dict[str, object]:
    return {
        "kpi": snapshot.kpi.name,
        "mode": mode,
        "step": step + 1,
        "from_event": snapshot.kpi.events[step - 1],
        "to_event": snapshot.kpi.events[step],
        "entered": snapshot.current[step - 1],
        "converted": snapshot.current[step],
        "rate": _rate(snapshot.current, step),
        "p_value": p,
        "date_from": snapshot.span.start.isoformat(),
        "date_to": snapshot.span.end.isoformat(),
        "segments": [
            {
                "dimension": c.segment.dimension,
                "value": c.segment.value,
                "entered": c.segment.current[step - 1],
                "converted": c.segment.current[step],
                "rate": c.rate_now,
                "rate_compared": c.rate_before,
                "persons_lost": c.lost,
                "share_of_loss": c.share_of_loss,
                "share_of_persons": c.share_of_persons,
                "p_value": c.p_value,
            }
            for c in culprits[:5]
        ],
    }


def funnel_snapshot(context: DetectionContext, kpi: Kpi) -> FunnelSnapshot:
    """Run a funnel KPI's funnel over the period and the one before, whole and per breakdown."""
    window = context.window

    def run(span: DateRange, breakdown: PropertyRef | None) -> FunnelResult:
        steps = tuple(FunnelStep(name, kpi.filters) for name in kpi.events)
        query = FunnelQuery(context.project_id, span, steps, kpi.window_days * 86_400,
                            breakdown=breakdown, breakdown_limit=20)  # fmt: skip
        return funnel(context.store, query)

    segments = []
    for name, ref in DIMENSIONS:
        now, before = run(window.current, ref), run(window.baseline, ref)
        earlier = {b.value: entered_of(b.steps) for b in before.breakdowns}
        for part in now.breakdowns:
            if part.value is None:
                continue
            zeros = (0,) * len(kpi.events)
            segments.append(
                SegmentCounts(
                    name, part.value, entered_of(part.steps), earlier.get(part.value, zeros)
                )
            )
    now_all = entered_of(run(window.current, None).steps)
    before_all = entered_of(run(window.baseline, None).steps)
    return FunnelSnapshot(
        kpi, window.current, now_all, before_all, tuple(segments), window.baseline_days
    )


def entered_of(steps: Sequence[FunnelStepResult]) -> tuple[int, ...]:
    """Persons who entered each step of a funnel result."""
    return tuple(step.entered for step in steps)


def find_funnel_drops(context: DetectionContext) -> list[Finding]:
    """Test every funnel-conversion KPI's steps; cite the feedback of who dropped."""
    found: list[Finding] = []
    for kpi in context.kpis:
        if kpi.kind != "funnel_conversion":
            continue
        for finding in detect_funnel_drops(funnel_snapshot(context, kpi)):
            step = int(finding.payload["step"]) - 1  # the step persons left (from 1)
            found.append(with_voices(finding, dropped_voices(context, kpi, step)))
    return found
