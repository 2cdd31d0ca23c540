"""Change history: every write records who changed which fields of which item, and how."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import NotFound
from launchloop.knowledge.models import Change
from launchloop.knowledge.roles import Caller

#: Item kinds, as written in history and comments, by table name.
ITEM_KINDS: dict[str, str] = {
    "insights": "insight",
    "actions": "action",
    "experiments": "experiment",
    "learnings": "learning",
    "signals": "signal",
    "launches": "launch",
    "kpis": "kpi",
    "teams": "team",
    "members": "member",
}


def jsonable(value: Any) -> Any:
    """``value`` as JSON can store it (dates as ISO-8601)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def apply_changes(item: Any, updates: dict[str, Any]) -> dict[str, list[Any]]:
    """Set each field of ``updates`` on ``item``; return ``{field: [before, after]}`` of changes."""
    changed: dict[str, list[Any]] = {}
    for field, value in updates.items():
        before = getattr(item, field)
        if before != value:
            changed[field] = [jsonable(before), jsonable(value)]
            setattr(item, field, value)
    return changed


def record_change(
    session: Session, caller: Caller, item: Any, verb: str, changes: dict[str, Any] | None = None
) -> Change:
    """Write one history row for ``item`` (flushed so the item has its id)."""
    session.flush()
    change = Change(
        project_id=caller.project_id,
        author=caller.author,
        item_kind=ITEM_KINDS[item.__tablename__],
        item_id=item.id,
        verb=verb,
        changes=changes or {},
    )
    session.add(change)
    return change


def history_of(session: Session, project_id: int, item_kind: str, item_id: int) -> list[Change]:
    """The changes of one item, oldest first; NotFound when the project has no such item."""
    changes = list(
        session.scalars(
            select(Change)
            .where(
                Change.project_id == project_id,
                Change.item_kind == item_kind,
                Change.item_id == item_id,
            )
            .order_by(Change.id)
        )
    )
    if not changes:
        raise NotFound(f"no {item_kind} {item_id} in this project")
    return changes
