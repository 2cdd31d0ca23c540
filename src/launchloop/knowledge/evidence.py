"""Evidence of an insight: typed links to signals, saved queries, feedback and learnings.

Adding or removing evidence recomputes the insight's confidence (``knowledge/confidence.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.confidence import Confidence, EvidenceFamily, confidence, family_of
from launchloop.knowledge.history import record_change
from launchloop.knowledge.insights import get_insight
from launchloop.knowledge.lookup import choice, one
from launchloop.knowledge.models import Evidence, Insight, Learning, Signal
from launchloop.knowledge.roles import Caller, require_writer

EVIDENCE_KINDS: tuple[str, ...] = ("signal", "query", "feedback", "learning")
MAX_QUOTE = 10_000


def add_evidence(
    session: Session,
    caller: Caller,
    insight_id: int,
    *,
    kind: str,
    signal_id: int | None = None,
    learning_id: int | None = None,
    feedback_id: str | None = None,
    quote: str | None = None,
    query: dict[str, Any] | None = None,
    figure: float | None = None,
    figure_label: str = "",
    supports: bool = True,
    note: str = "",
) -> Evidence:
    """Link a piece of evidence to an insight; what is required depends on ``kind``."""
    require_writer(caller, "adding evidence")
    insight = get_insight(session, caller.project_id, insight_id)
    if insight.status == "retired":
        raise InvalidInput("status", "a retired insight takes no new evidence")
    choice(kind, EVIDENCE_KINDS, "kind")
    _check_link(session, caller.project_id, kind, signal_id, learning_id)
    _check_content(kind, feedback_id, quote, query, figure)
    piece = Evidence(
        kind=kind,
        author=caller.author,
        supports=supports,
        note=note,
        signal_id=signal_id if kind == "signal" else None,
        learning_id=learning_id if kind == "learning" else None,
        feedback_id=feedback_id,
        quote=quote,
        query=query,
        figure=figure,
        figure_label=figure_label,
    )
    insight.evidence.append(piece)
    session.flush()
    refresh_confidence(session, insight)
    record_change(session, caller, insight, "evidence_added", {"evidence": [None, piece.id]})
    return piece


def remove_evidence(session: Session, caller: Caller, insight_id: int, evidence_id: int) -> Insight:
    """Unlink a piece of evidence from an insight and recompute its confidence."""
    require_writer(caller, "removing evidence")
    insight = get_insight(session, caller.project_id, insight_id)
    piece = next((e for e in insight.evidence if e.id == evidence_id), None)
    if piece is None:
        raise NotFound(f"no evidence {evidence_id} on insight {insight_id}")
    insight.evidence.remove(piece)
    session.flush()
    refresh_confidence(session, insight)
    record_change(session, caller, insight, "evidence_removed", {"evidence": [evidence_id, None]})
    return insight


def insight_confidence(session: Session, insight: Insight) -> Confidence:
    """The confidence of an insight from its evidence, with the families behind it."""
    return confidence(
        EvidenceFamily(family_of(e.kind, _signal_kind(session, e)), e.supports)
        for e in insight.evidence
    )


def refresh_confidence(session: Session, insight: Insight) -> Confidence:
    """Recompute and store an insight's confidence."""
    computed = insight_confidence(session, insight)
    insight.confidence = computed.score
    return computed


def _signal_kind(session: Session, piece: Evidence) -> str | None:
    if piece.kind != "signal" or piece.signal_id is None:
        return None
    signal = session.get(Signal, piece.signal_id)
    return signal.kind if signal else None


def _check_link(
    session: Session, project_id: int, kind: str, signal_id: int | None, learning_id: int | None
) -> None:
    links: dict[str, tuple[str, Any, int | None]] = {
        "signal": ("signal_id", Signal, signal_id),
        "learning": ("learning_id", Learning, learning_id),
    }
    if kind not in links:
        return
    field, model, item_id = links[kind]
    if item_id is None:
        raise InvalidInput(field, f"{kind} evidence needs a {field}")
    try:
        one(session, model, project_id, item_id)
    except NotFound as missing:
        raise InvalidInput(field, str(missing)) from None


def _check_content(
    kind: str,
    feedback_id: str | None,
    quote: str | None,
    query: dict[str, Any] | None,
    figure: float | None,
) -> None:
    if kind == "feedback" and not (feedback_id or (quote and quote.strip())):
        raise InvalidInput("quote", "feedback evidence needs a feedback_id or a quote")
    if quote is not None and len(quote) > MAX_QUOTE:
        raise InvalidInput("quote", f"is {len(quote)} characters, over the limit of {MAX_QUOTE}")
    if kind == "query" and not query:
        raise InvalidInput("query", "query evidence needs the saved query (JSON)")
    if kind == "query" and figure is None:
        raise InvalidInput("figure", "query evidence needs its figure at capture time")
