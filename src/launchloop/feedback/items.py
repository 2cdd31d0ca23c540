"""Feedback items: validation of incoming rows and their creation, idempotent on external id.

A row is a plain dict (from the API, a help-desk export or the CLI). Each bad row gets a clear
reason (which field, why) while the good rows of the same batch are stored (issue 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.feedback.language import detect_language
from launchloop.feedback.sentiment import sentiment_of
from launchloop.knowledge.models import FeedbackItem, utcnow

KINDS: tuple[str, ...] = ("support_ticket", "nps", "csat", "in_app", "review", "observation")
#: Kinds a page may send with the public key (the in-app widget and its surveys).
PUBLIC_KINDS: frozenset[str] = frozenset({"in_app", "nps", "csat"})
#: Inclusive score range per kind; other kinds take an optional 0-10 score.
SCORE_RANGES: dict[str, tuple[float, float]] = {"nps": (0, 10), "csat": (1, 5), "review": (1, 5)}
DEFAULT_SCORE_RANGE = (0.0, 10.0)
#: A longer text is refused: feedback is a few paragraphs, not a document.
MAX_TEXT_BYTES = 20_000
_LIMITS = {"source": 40, "channel": 80, "author": 320, "page": 2000, "feature": 200}
_MAX_EXTERNAL_ID = 200


@dataclass(frozen=True)
class BadRow:
    """A row that was not stored: its 0-based index in the batch, the field and why."""

    index: int
    field: str
    reason: str


@dataclass(frozen=True)
class FeedbackInput:
    """A validated feedback row, ready to store."""

    kind: str
    text: str
    score: float | None = None
    source: str = "api"
    channel: str = ""
    author: str | None = None
    page: str | None = None
    feature: str | None = None
    observed_at: datetime | None = None
    tags: tuple[str, ...] = ()
    external_id: str | None = None
    language: str | None = None


@dataclass
class AddReport:
    """What a batch did: ids of the new items, rows skipped as already stored, bad rows."""

    stored: list[int] = field(default_factory=list)
    duplicates: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)


def validate_row(row: dict[str, Any], *, source: str = "api") -> FeedbackInput:
    """A :class:`FeedbackInput` from a raw row, or :class:`InvalidInput` naming the field."""
    if not isinstance(row, dict):
        raise InvalidInput("row", "a feedback item is a JSON object")
    kind = _kind(row.get("kind"))
    score = _score(kind, row.get("score"))
    text = _text(row.get("text"), allow_empty=score is not None and kind in SCORE_RANGES)
    fields = {name: _short(name, row.get(name), limit) for name, limit in _LIMITS.items()}
    return FeedbackInput(
        kind=kind,
        text=text,
        score=score,
        source=fields["source"] or source,
        channel=fields["channel"] or "",
        author=fields["author"],
        page=fields["page"],
        feature=fields["feature"],
        observed_at=_time(row.get("time", row.get("observed_at"))),
        tags=_tags(row.get("tags")),
        external_id=_external_id(row.get("external_id")),
        language=_short("language", row.get("language"), 8),
    )


def _kind(value: Any) -> str:
    kind = str(value or "").strip().lower()
    if kind not in KINDS:
        raise InvalidInput("kind", f"{value!r} is not one of {', '.join(KINDS)}")
    return kind


def _text(value: Any, *, allow_empty: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("text", "must be a string")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise InvalidInput("text", "is not valid UTF-8 (undecodable bytes)")
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidInput("text", "is empty")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise InvalidInput("text", f"is {size} bytes, the limit is {MAX_TEXT_BYTES}")
    return text


def _score(kind: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("score", f"{value!r} is not a number") from None
    low, high = SCORE_RANGES.get(kind, DEFAULT_SCORE_RANGE)
    if not low <= score <= high:
        raise InvalidInput("score", f"{value} is out of range {low:g}-{high:g} for {kind}")
    return score


def _short(name: str, value: Any, limit: int) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise InvalidInput(name, "is not valid UTF-8 (undecodable bytes)")
    if len(text) > limit:
        raise InvalidInput(name, f"is longer than {limit} characters")
    return text or None


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(float(value), UTC)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("time", f"{value!r} is not an ISO 8601 time") from None
    # Stored in UTC: SQLite keeps the wall time only, so offsets must not reach it.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise InvalidInput("tags", "must be a list of strings or a comma-separated string")
    return tuple(t for t in (str(v).strip() for v in value) if t)


def _external_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if len(text) > _MAX_EXTERNAL_ID:
        raise InvalidInput("external_id", f"is longer than {_MAX_EXTERNAL_ID} characters")
    return text or None


def add_items(
    session: Session,
    *,
    project_id: int,
    rows: Sequence[dict[str, Any]],
    source: str = "api",
    allowed_kinds: Iterable[str] = KINDS,
) -> AddReport:
    """Validate and store ``rows``; rows whose (source, external id) exists are skipped.

    :param allowed_kinds: kinds this caller may send (the public key sends in-app kinds only).
    """
    report = AddReport()
    allowed = frozenset(allowed_kinds)
    valid: list[tuple[int, FeedbackInput]] = []
    for index, row in enumerate(rows):
        try:
            item = validate_row(row, source=source)
        except InvalidInput as error:
            report.bad_rows.append(BadRow(index, error.field, error.reason))
            continue
        if item.kind not in allowed:
            reason = f"{item.kind} needs a secret API token (a public key sends in-app kinds)"
            report.bad_rows.append(BadRow(index, "kind", reason))
            continue
        valid.append((index, item))
    fresh = _not_stored(session, project_id, [item for _, item in valid])
    report.duplicates = len(valid) - len(fresh)
    records = [new_record(project_id, item) for item in fresh]
    session.add_all(records)
    session.flush()
    report.stored = [record.id for record in records]
    return report


def _not_stored(
    session: Session, project_id: int, items: list[FeedbackInput]
) -> list[FeedbackInput]:
    """The items whose (source, external id) is neither stored nor repeated earlier."""
    keys: set[tuple[str, str | None]] = {
        (i.source, i.external_id) for i in items if i.external_id is not None
    }
    seen = stored_keys(session, project_id, keys)
    fresh: list[FeedbackInput] = []
    for item in items:
        key = (item.source, item.external_id)
        if item.external_id is not None:
            if key in seen:
                continue
            seen.add(key)
        fresh.append(item)
    return fresh


def stored_keys(
    session: Session, project_id: int, keys: set[tuple[str, str | None]]
) -> set[tuple[str, str | None]]:
    """Which (source, external id) pairs the project already has."""
    found: set[tuple[str, str | None]] = set()
    ordered = sorted(keys, key=str)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(FeedbackItem.source, FeedbackItem.external_id).where(
            FeedbackItem.project_id == project_id,
            tuple_(FeedbackItem.source, FeedbackItem.external_id).in_(chunk),
        )
        found.update((s, e) for s, e in session.execute(query))
    return found


def new_record(project_id: int, item: FeedbackInput) -> FeedbackItem:
    """A :class:`FeedbackItem` for ``item``, with its language and sentiment."""
    mood = sentiment_of(item.text, kind=item.kind, score=item.score)
    return FeedbackItem(
        project_id=project_id,
        kind=item.kind,
        text=item.text,
        language=item.language or detect_language(item.text),
        score=item.score,
        source=item.source,
        channel=item.channel,
        author=item.author,
        page=item.page,
        feature=item.feature,
        observed_at=item.observed_at or utcnow(),
        tags=list(item.tags),
        external_id=item.external_id,
        sentiment=mood.label,
        sentiment_score=mood.score,
    )
