"""What the writer hands to a store: event rows and person changes, in arrival order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PersonMerge:
    """Make ``merge_id``'s person the same person as ``keep_id``'s (identify, alias).

    ``guarded`` (``$identify``'s merges): refused when ``merge_id``'s person is identified
    already, so two identified persons are never merged by an identify (PostHog's rule).
    """

    project_id: int
    keep_id: str
    merge_id: str
    guarded: bool = False


@dataclass(frozen=True, slots=True)
class PersonIdentify:
    """Mark ``distinct_id``'s person identified: a known user, no longer an anonymous one."""

    project_id: int
    distinct_id: str


@dataclass(frozen=True, slots=True)
class PersonUpdate:
    """Set person properties: ``set`` overwrites, ``set_once`` fills only what is missing."""

    project_id: int
    distinct_id: str
    set: dict[str, Any]
    set_once: dict[str, Any]


PersonChange = PersonMerge | PersonIdentify | PersonUpdate


@dataclass(slots=True)
class WriteBatch:
    """Rows (tuples in ``ROW_COLUMNS`` order) and person changes to commit together."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    person_changes: list[PersonChange] = field(default_factory=list)

    def extend(self, other: WriteBatch) -> None:
        """Append another batch after this one (order is kept)."""
        self.rows.extend(other.rows)
        self.person_changes.extend(other.person_changes)
