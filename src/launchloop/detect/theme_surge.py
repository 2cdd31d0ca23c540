"""Feedback theme surge: a theme's items over the period far above its baseline rate.

The expected count is the theme's daily rate over the baseline days times the period's days,
with half an item added to the baseline so that a theme new in the period (none before) is
tested too; the observed count is tested against it (Poisson upper tail, Bonferroni over the
themes tried). The pages the items name join the surge with friction and funnel signals there,
and so do the funnel steps whose event name or pages match the theme's words (``step_words``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import (
    QUOTES,
    DetectionWindow,
    Finding,
    distinct_quotes,
    percent,
    span_text,
)
from launchloop.detect.friction_hotspot import step_pages
from launchloop.detect.statistics import poisson_excess
from launchloop.detect.step_words import matching_steps
from launchloop.feedback.themes import list_themes
from launchloop.knowledge.models import FeedbackItem

KIND = "theme_surge"
ALPHA = 0.01
MIN_ITEMS = 5
MIN_RATIO = 2.0
#: Items added to every baseline: a new theme's expectation is small, not zero.
PRIOR_ITEMS = 0.5


@dataclass(frozen=True)
class ThemeVolume:
    """One theme's items in the period and in the baseline, with what they name."""

    theme_id: int
    name: str
    current: int
    baseline: int
    negative: int
    pages: tuple[str, ...]
    quotes: tuple[str, ...]
    item_ids: tuple[str, ...]
    #: The theme's distinctive words.
    words: tuple[str, ...] = ()


def detect_theme_surges(
    themes: Sequence[ThemeVolume],
    window: DetectionWindow,
    *,
    alpha: float = ALPHA,
    steps: Mapping[str, Sequence[str]] | None = None,
) -> list[Finding]:
    """Themes whose period volume is far above their baseline rate (new themes included).

    :param steps: the funnel steps' events and their pages, joined to themes whose words match.
    """
    tried = [t for t in themes if t.current >= MIN_ITEMS]
    found = []
    for theme in tried:
        expected = (theme.baseline + PRIOR_ITEMS) * window.days / window.baseline_days
        p = poisson_excess(theme.current, expected)
        if p is not None and theme.current >= MIN_RATIO * expected and p < alpha / len(tried):
            matched = matching_steps(theme.name, theme.words, steps or {})
            found.append(_finding(theme, expected, p, window, matched))
    return found


def _finding(
    theme: ThemeVolume, expected: float, p: float, window: DetectionWindow, steps: list[str]
) -> Finding:
    span = window.current
    new = theme.baseline == 0
    before = "a new theme" if new else f"about {expected:.1f} expected from the days before"
    quotes = "; ".join(f'"{q}"' for q in theme.quotes[:QUOTES])
    pages = f", on {', '.join(theme.pages[:3])}" if theme.pages else ""
    text = (
        f'{theme.current} feedback items about "{theme.name}" over {span_text(span)} '
        f"({before}; {percent(theme.negative / theme.current)} negative{pages})"
        + (f": {quotes}" if quotes else "")
    )
    payload = {
        "theme_id": theme.theme_id,
        "theme": theme.name,
        "items": theme.current,
        "baseline_items": theme.baseline,
        "baseline_days": window.baseline_days,
        "expected": expected,
        "new_theme": new,
        "negative": theme.negative,
        "pages": list(theme.pages),
        "quotes": list(theme.quotes[:QUOTES]),
        "p_value": p,
        "steps": steps,
        "date_from": span.start.isoformat(),
        "date_to": span.end.isoformat(),
    }
    subjects = (
        f"theme:{theme.theme_id}",
        *(f"page:{page}" for page in theme.pages),
        *(f"step:{step}" for step in steps),
    )
    return Finding(KIND, str(theme.theme_id), text, subjects, payload,
                   feedback_ids=theme.item_ids[:50])  # fmt: skip


def page_path(page: str | None) -> str | None:
    """The path of a feedback item's page (a full URL or a path)."""
    if not page:
        return None
    path = urlsplit(page).path if "://" in page else page.split("?")[0]
    return path or "/"


def _moment(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1e6, UTC)


def theme_volumes(context: DetectionContext) -> list[ThemeVolume]:
    """Per theme: items in the period and in the baseline, negatives, pages, quotes, ids."""
    window = context.window
    start = _moment(window.baseline.start_micros())
    split = _moment(window.current.start_micros())
    end = _moment(window.current.end_micros())
    rows = context.session.scalars(
        select(FeedbackItem).where(
            FeedbackItem.project_id == context.project_id,
            FeedbackItem.theme_id.is_not(None),
            FeedbackItem.observed_at >= start,
            FeedbackItem.observed_at < end,
        )
    ).all()
    volumes = []
    for theme in list_themes(context.session, context.project_id):
        items = [r for r in rows if r.theme_id == theme.id]
        now = [r for r in items if _aware(r.observed_at) >= split]
        pages = sorted({p for p in (page_path(r.page) for r in now) if p})
        volumes.append(
            ThemeVolume(theme.id, theme.name, len(now), len(items) - len(now),
                        sum(r.sentiment == "negative" for r in now), tuple(pages),
                        distinct_quotes(r.text for r in now),
                        tuple(str(r.id) for r in now), tuple(theme.words or ()))
        )  # fmt: skip
    return volumes


def _aware(moment: datetime) -> datetime:
    # SQLite gives back the UTC times it stored without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_theme_surges(context: DetectionContext) -> list[Finding]:
    """Count each theme's items over the period and baseline, and test the period."""
    volumes = theme_volumes(context)
    if not any(v.current >= MIN_ITEMS for v in volumes):
        return []
    return detect_theme_surges(volumes, context.window, steps=funnel_steps(context))


def funnel_steps(context: DetectionContext) -> dict[str, list[str]]:
    """Each funnel step's event and the page where most of its events happen."""
    steps: dict[str, list[str]] = {
        event: [] for kpi in context.kpis if kpi.kind == "funnel_conversion" for event in kpi.events
    }
    for page, events in step_pages(context).items():
        for event in events:
            steps.setdefault(event, []).append(page)
    return steps
