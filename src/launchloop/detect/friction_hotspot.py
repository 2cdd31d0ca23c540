"""Friction hot spot: rage clicks, dead clicks, errors or slow loads concentrated on one page.

A page's exposure is its page visits: the sessions that had an event on it, so a session that
saw three pages counts on each. Its expected share of a kind of friction is its share of all
page visits; its observed count is tested against that expectation (Poisson upper tail,
Bonferroni over the pages tried). A hot spot on a page where a funnel step happens names that
step, so drafting joins it with the step's drop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from launchloop.analytics.friction import NONE, FrictionQuery, FrictionSpot, friction_hotspots
from launchloop.analytics.source import in_range
from launchloop.analytics.sql import printer_for, run
from launchloop.analytics.timeframe import DateRange
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding, percent, span_text
from launchloop.detect.statistics import poisson_excess

KIND = "friction_hotspot"
ALPHA = 0.01
MIN_EVENTS = 10
#: Observed over expected at least this: a significant but mild excess is not a hot spot.
MIN_RATIO = 1.5
LABELS = {
    "rage_click": "rage clicks",
    "dead_click": "dead clicks",
    "error": "errors",
    "slow_page": "slow loads",
}


@dataclass(frozen=True)
class PageFriction:
    """One kind of friction on one page, and the page's exposure."""

    kind: str
    path: str
    events: int
    persons: int
    top_target: str
    page_sessions: int


def page_friction(
    spots: Sequence[FrictionSpot], page_sessions: Mapping[str, int]
) -> list[PageFriction]:
    """Friction events summed per kind and page, with the page's most hit target."""
    grouped: dict[tuple[str, str], list[FrictionSpot]] = {}
    for spot in spots:
        grouped.setdefault((spot.kind, spot.path), []).append(spot)
    return [
        PageFriction(
            kind,
            path,
            sum(s.events for s in group),
            sum(s.persons for s in group),
            max(group, key=lambda s: (s.events, s.target)).target,
            page_sessions.get(path, 0),
        )
        for (kind, path), group in sorted(grouped.items())
    ]


def detect_hotspots(
    pages: Sequence[PageFriction],
    page_visits: int,
    span: DateRange,
    step_pages: Mapping[str, Sequence[str]],
    *,
    alpha: float = ALPHA,
) -> list[Finding]:
    """Pages whose friction of a kind is far above their share of the sessions."""
    totals: dict[str, int] = {}
    for page in pages:
        totals[page.kind] = totals.get(page.kind, 0) + page.events
    tried = [p for p in pages if p.path != NONE and p.page_sessions and page_visits]
    found = []
    for page in tried:
        share = page.page_sessions / page_visits
        expected = totals[page.kind] * share
        p = poisson_excess(page.events, expected)
        if p is None or page.events < MIN_EVENTS or page.events < MIN_RATIO * expected:
            continue
        if p < alpha / len(tried):
            found.append(_finding(page, totals[page.kind], share, p, span, step_pages))
    return found


def _finding(
    page: PageFriction,
    total: int,
    share: float,
    p: float,
    span: DateRange,
    step_pages: Mapping[str, Sequence[str]],
) -> Finding:
    label = LABELS.get(page.kind, page.kind)
    steps = tuple(step_pages.get(page.path, ()))
    target = ""
    if page.top_target != NONE:
        target = f", mostly {'' if page.kind == 'error' else 'on '}{page.top_target}"
    on_step = f"; the page of the funnel step {', '.join(steps)}" if steps else ""
    text = (
        f"{page.events} {label} on {page.path}{target} over {span_text(span)} "
        f"({percent(page.events / total)} of all {label}, while the page has {percent(share)} "
        f"of page visits; {page.persons} persons){on_step}"
    )
    payload = {
        "friction": page.kind,
        "path": page.path,
        "target": page.top_target,
        "events": page.events,
        "persons": page.persons,
        "share_of_friction": page.events / total,
        "share_of_visits": share,
        "p_value": p,
        "funnel_steps": list(steps),
        "date_from": span.start.isoformat(),
        "date_to": span.end.isoformat(),
    }
    subjects = (f"page:{page.path}", *(f"step:{step}" for step in steps))
    # Routed to the team that observes friction hot spots (run.py), not named here.
    return Finding(KIND, f"{page.kind}|{page.path}", text, subjects, payload)


def page_sessions(context: DetectionContext) -> dict[str, int]:
    """Sessions that had an event on each page over the period."""
    span = context.window.current
    p = printer_for(context.store.dialect, span.time_zone)
    where = f"{in_range(p, context.project_id, span)} AND e.session_id IS NOT NULL"
    per_page = p.compiled(
        "SELECT e.path AS page, count(DISTINCT e.session_id) FROM events AS e "
        f"WHERE {where} AND e.path IS NOT NULL GROUP BY page"
    )
    return {str(page): int(n) for page, n in run(context.store, per_page)}


def step_pages(context: DetectionContext) -> dict[str, list[str]]:
    """The page where most of each funnel step's events happen, as page -> step events."""
    events = sorted({e for k in context.kpis if k.kind == "funnel_conversion" for e in k.events})
    if not events:
        return {}
    span = context.window.current
    p = printer_for(context.store.dialect, span.time_zone)
    names = ", ".join(p.param(name) for name in events)
    rows = run(context.store, p.compiled(
        f"SELECT e.event, e.path, count(*) AS n FROM events AS e WHERE "
        f"{in_range(p, context.project_id, span)} AND e.event IN ({names}) AND e.path IS NOT NULL "
        "GROUP BY e.event, e.path"
    ))  # fmt: skip
    best: dict[str, tuple[int, str]] = {}
    for event, path, n in rows:
        if str(event) not in best or (int(n), str(path)) > best[str(event)]:
            best[str(event)] = (int(n), str(path))
    pages: dict[str, list[str]] = {}
    for event, (_, path) in sorted(best.items()):
        pages.setdefault(path, []).append(event)
    return pages


def find_hotspots(context: DetectionContext) -> list[Finding]:
    """Read the period's friction per page and page sessions, and test each page."""
    span = context.window.current
    spots = friction_hotspots(context.store, FrictionQuery(context.project_id, span, limit=1000))
    sessions = page_sessions(context)
    pages = page_friction(spots, sessions)
    return detect_hotspots(pages, sum(sessions.values()), span, step_pages(context))
