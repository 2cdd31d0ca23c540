"""Store a finding's signal once, even when two detection runs race to store it.

Each run skips the episodes it has read (``episodes.py``), but two runs at the same moment read
before either writes. The unique index on (project, fingerprint) settles it in the database:
the insert is ``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike), so the second
run's insert waits for the first run's transaction and then stores nothing. No exception, no
savepoint: the rest of the run goes on in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from launchloop.knowledge.history import record_change
from launchloop.knowledge.lookup import choice, required_text
from launchloop.knowledge.models import Signal, utcnow
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.knowledge.signals import SIGNAL_KINDS

#: The columns of the unique index that makes a detected episode one signal.
CONFLICT = ("project_id", "fingerprint")


def store_once(
    session: Session,
    caller: Caller,
    *,
    kind: str,
    text: str,
    fingerprint: str,
    source: str,
    payload: dict[str, Any],
    team_id: int | None = None,
    kpi_id: int | None = None,
    launch_id: int | None = None,
    feedback_ids: list[str] | None = None,
) -> Signal | None:
    """Record a detected signal unless the project has its ``fingerprint``: None then.

    :param fingerprint: the finding's episode (``Finding.fingerprint``), unique per project.
    """
    require_writer(caller, "recording a signal")
    values = {
        "project_id": caller.project_id,
        "author": caller.author,
        "kind": choice(kind, SIGNAL_KINDS, "kind"),
        "text": required_text(text, "text"),
        "source": source,
        "observed_at": utcnow(),
        "team_id": team_id,
        "launch_id": launch_id,
        "kpi_id": kpi_id,
        "payload": dict(payload),
        "feedback_ids": list(feedback_ids or []),
        "fingerprint": fingerprint,
    }
    session.flush()  # what the run changed before goes first, as an insert through the ORM would
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Signal).values(values).on_conflict_do_nothing(index_elements=CONFLICT)
    signal = session.scalars(statement.returning(Signal)).one_or_none()
    if signal is not None:
        record_change(session, caller, signal, "created")
    return signal
