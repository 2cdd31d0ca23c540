"""The voice of the persons who dropped: feedback written by persons who left at a funnel step.

Joins a funnel drop with field feedback by person, not by words: the persons who reached the
step's first event but not its second over the period, and the feedback items of the period
whose author (a distinct id, resolved to its person) is one of them. Their themes become
subjects of the drop, so drafting joins it with a surge of those themes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select

from launchloop.analytics.funnels import FunnelQuery, FunnelStep, dropped_persons
from launchloop.analytics.kpis import Kpi
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import Finding, distinct_quotes
from launchloop.knowledge.models import FeedbackItem

#: Persons read per drop (the rest are not matched against feedback).
MAX_PERSONS = 10_000


@dataclass(frozen=True)
class DroppedVoices:
    """Feedback items written by persons who dropped at a step."""

    persons: int
    item_ids: tuple[str, ...]
    theme_ids: tuple[int, ...]
    quotes: tuple[str, ...]


def with_voices(finding: Finding, voices: DroppedVoices) -> Finding:
    """The drop with the dropped persons' feedback cited (unchanged when there is none)."""
    if not voices.item_ids:
        return finding
    quotes = "; ".join(f'"{q}"' for q in voices.quotes)
    text = (
        f"{finding.text}; {voices.persons} of the persons who dropped wrote "
        f"{len(voices.item_ids)} feedback items" + (f": {quotes}" if quotes else "")
    )
    payload = finding.payload | {
        "dropped_feedback": {
            "persons": voices.persons,
            "items": len(voices.item_ids),
            "theme_ids": list(voices.theme_ids),
            "quotes": list(voices.quotes),
        }
    }
    subjects = finding.subjects + tuple(f"theme:{t}" for t in voices.theme_ids)
    feedback_ids = tuple(dict.fromkeys(finding.feedback_ids + voices.item_ids))
    return replace(finding, text=text, payload=payload, subjects=subjects,
                   feedback_ids=feedback_ids)  # fmt: skip


def dropped_voices(context: DetectionContext, kpi: Kpi, step: int) -> DroppedVoices:
    """Feedback of the period by persons who did ``kpi.events[step - 1]`` but not the next."""
    span = context.window.current
    items = context.session.scalars(
        select(FeedbackItem).where(
            FeedbackItem.project_id == context.project_id,
            FeedbackItem.author.is_not(None),
            FeedbackItem.observed_at >= datetime.fromtimestamp(span.start_micros() / 1e6, UTC),
            FeedbackItem.observed_at < datetime.fromtimestamp(span.end_micros() / 1e6, UTC),
        )
    ).all()
    if not items:
        return DroppedVoices(0, (), (), ())
    steps = tuple(FunnelStep(name, kpi.filters) for name in kpi.events)
    query = FunnelQuery(context.project_id, span, steps, kpi.window_days * 86_400)
    dropped = set(dropped_persons(context.store, query, step, limit=MAX_PERSONS))
    matched: list[tuple[str, FeedbackItem]] = []
    for item in items:
        person = context.store.person(context.project_id, str(item.author))
        who = str(person["person_id"]) if person else str(item.author)
        if who in dropped:
            matched.append((who, item))
    themes = sorted({i.theme_id for _, i in matched if i.theme_id is not None})
    return DroppedVoices(
        len({who for who, _ in matched}),
        tuple(str(i.id) for _, i in matched),
        tuple(themes),
        distinct_quotes(i.text for _, i in matched),
    )
