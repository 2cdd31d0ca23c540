"""Erasing a person: their events and properties in the event store, their feedback links."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.audit import id_digest, record_act
from launchloop.knowledge.models import FeedbackItem
from launchloop.knowledge.roles import Caller, require_role
from launchloop.store.base import EventStore


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
    The audit log records a hash of the id and the counts, never the erased data. NotFound
    when the project knows no person and no feedback by ``distinct_id``.
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
    feedback = _unlink_feedback(session, caller.project_id, authors, delete=delete_feedback_text)
    if found is None and not feedback:
        raise NotFound("no person or feedback with this distinct id in this project")
    counts = dict(store.erase_person(caller.project_id, distinct_id))
    counts["feedback_items"] = feedback
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


def _unlink_feedback(session: Session, project_id: int, authors: set[str], *, delete: bool) -> int:
    """Clear the author of (or delete) the project's feedback items by ``authors``; how many."""
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
    return len(items)
