"""Erasing a person: their events and properties in the event store, their feedback links, and
every copy of their address or erased words in the knowledge base (issue 12)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from launchloop.closing.erasure import forget_addresses
from launchloop.closing.reach import EMAIL
from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.audit import id_digest, record_act
from launchloop.knowledge.models import Evidence, FeedbackItem, Insight, ItemVector, Signal, Theme
from launchloop.knowledge.roles import Caller, require_role
from launchloop.store.base import EventStore

#: What replaces an erased address or text where the surrounding record is kept.
ERASED = "[erased]"
#: A deleted feedback text shorter than this is only erased where it is a whole value.
MIN_EMBEDDED = 20


@dataclass(slots=True)
class Erasure:
    """What an erasure removed, in counts only."""

    distinct_id_sha256: str
    counts: dict[str, int] = field(default_factory=dict)


def erase_person(
    session: Session,
    store: EventStore,
    caller: Caller,
    distinct_id: str,
    *,
    delete_feedback_text: bool = False,
) -> Erasure:
    """Erase the person behind ``distinct_id`` (admin): events, properties, feedback authorship.

    Feedback items by any of the person's distinct ids (or their ``email`` property) lose their
    author; their text is kept unless ``delete_feedback_text``, then the items are deleted.
    Messages to their addresses go, their opt-out is kept as a hash only, and their addresses
    (and deleted texts) are replaced by ``[erased]`` in kept feedback, theme quotes, evidence
    quotes and signals. The audit log records a hash of the id and the counts, never the erased
    data. NotFound when the project knows no person and no feedback by ``distinct_id``.
    """
    require_role(caller, "admin", "erasing a person")
    if not distinct_id.strip():
        raise InvalidInput("distinct_id", "is required")
    found = store.person(caller.project_id, distinct_id)
    authors = {distinct_id}
    if found is not None:
        authors.update(found["distinct_ids"])
        email = found["properties"].get("email")
        if isinstance(email, str) and email:
            authors.add(email)
    items = _unlink_feedback(session, caller.project_id, authors, delete=delete_feedback_text)
    if found is None and not items:
        raise NotFound("no person or feedback with this distinct id in this project")
    counts = dict(store.erase_person(caller.project_id, distinct_id))
    counts["feedback_items"] = len(items)
    addresses = {a.strip().lower() for a in authors if EMAIL.match(a.strip())}
    counts.update(forget_addresses(session, caller.project_id, addresses))
    texts = {i.text for i in items} if delete_feedback_text else set()
    erased_ids = {i.id for i in items} if delete_feedback_text else set()
    counts["redacted"] = _redact_copies(session, caller.project_id, addresses, texts, erased_ids)
    erasure = Erasure(id_digest(caller.project_id, distinct_id), counts)
    record_act(
        session,
        caller,
        "person",
        "erase",
        {
            "distinct_id_sha256": erasure.distinct_id_sha256,
            "counts": counts,
            "feedback_text": "deleted" if delete_feedback_text else "kept",
        },
    )
    return erasure


def _unlink_feedback(
    session: Session, project_id: int, authors: set[str], *, delete: bool
) -> list[FeedbackItem]:
    """Clear the author of (or delete) the project's feedback items by ``authors``."""
    items = list(
        session.scalars(
            select(FeedbackItem).where(
                FeedbackItem.project_id == project_id, FeedbackItem.author.in_(sorted(authors))
            )
        )
    )
    for item in items:
        if delete:
            session.delete(item)
        else:
            item.author = None
    session.flush()
    return items


class _Scrubber:
    """Replaces the person's addresses (any case) and their deleted texts in any JSON value."""

    def __init__(self, addresses: set[str], texts: set[str]) -> None:
        self.whole = {t.strip() for t in texts if t.strip()}
        self.parts = [a for a in addresses if a] + [t for t in self.whole if len(t) >= MIN_EMBEDDED]
        escaped = sorted((re.escape(p) for p in self.parts), key=len, reverse=True)
        self.pattern = re.compile("|".join(escaped), re.IGNORECASE) if escaped else None

    def mentions(self, column: Any) -> ColumnElement[bool]:
        """SQL: the text ``column`` may hold one of the needles (the big tables, filtered first)."""
        found = [func.lower(column).contains(p.lower(), autoescape=True) for p in self.parts]
        return or_(func.trim(column).in_(sorted(self.whole)), *found)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip() in self.whole:
                return ERASED
            return self.pattern.sub(ERASED, value) if self.pattern else value
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


def _redact_copies(
    session: Session, project_id: int, addresses: set[str], texts: set[str], erased_ids: set[int]
) -> int:
    """Scrub the project's copies of the person's words; how many records changed."""
    if not addresses and not texts:
        return 0
    scrub = _Scrubber(addresses, texts)
    changed = 0
    for theme in session.scalars(select(Theme).where(Theme.project_id == project_id)):
        kept = [q for q in theme.quotes if q.get("id") not in erased_ids]
        changed += _set(theme, "quotes", scrub(kept))
        changed += _set(theme, "words", scrub(theme.words)) + _set(theme, "name", scrub(theme.name))
    feedback = select(FeedbackItem).where(
        FeedbackItem.project_id == project_id, scrub.mentions(FeedbackItem.text)
    )
    for item in session.scalars(feedback):
        changed += _set(item, "text", scrub(item.text))
    evidence = (
        select(Evidence)
        .join(Insight, Insight.id == Evidence.insight_id)
        .where(Insight.project_id == project_id, Evidence.quote.is_not(None))
    )
    erased_refs = {str(i) for i in erased_ids}
    for row in session.scalars(evidence):
        quote = ERASED if row.feedback_id in erased_refs else scrub(row.quote)
        changed += _set(row, "quote", quote)
    for signal in session.scalars(select(Signal).where(Signal.project_id == project_id)):
        changed += _set(signal, "text", scrub(signal.text))
        changed += _set(signal, "payload", scrub(signal.payload))
    # Embeddings of the scrubbed texts are derived from them: drop the project's, they are
    # rebuilt from the scrubbed texts on the next "similar items" call.
    session.execute(delete(ItemVector).where(ItemVector.project_id == project_id))
    session.flush()
    return changed


def _set(record: Any, name: str, value: Any) -> int:
    """Assign ``value`` when it differs (a new object, so JSON columns see the change); 0 or 1."""
    if getattr(record, name) == value:
        return 0
    setattr(record, name, value)
    return 1
