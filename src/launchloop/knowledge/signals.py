"""Signals: detected from the data or captured by a person, each worth a look."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.history import record_change
from launchloop.knowledge.lookup import choice, referenced, required_text
from launchloop.knowledge.models import Kpi, Launch, Signal, Team, utcnow
from launchloop.knowledge.roles import Caller, require_writer

SIGNAL_KINDS: tuple[str, ...] = (
    "kpi_moved",
    "kpi_off_target",
    "funnel_drop",
    "theme_surge",
    "friction_hotspot",
    "observation",
)


def create_signal(
    session: Session,
    caller: Caller,
    *,
    kind: str,
    text: str,
    source: str = "",
    observed_at: datetime | None = None,
    team_id: int | None = None,
    launch_id: int | None = None,
    kpi_id: int | None = None,
    payload: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    feedback_ids: list[str] | None = None,
) -> Signal:
    """Record a signal with the data behind it and its links (KPI, query, feedback items)."""
    require_writer(caller, "recording a signal")
    choice(kind, SIGNAL_KINDS, "kind")
    referenced(session, Team, caller.project_id, team_id, "team_id")
    referenced(session, Launch, caller.project_id, launch_id, "launch_id")
    referenced(session, Kpi, caller.project_id, kpi_id, "kpi_id")
    signal = Signal(
        project_id=caller.project_id,
        author=caller.author,
        kind=kind,
        text=required_text(text, "text"),
        source=source or ("person" if kind == "observation" else "detector"),
        observed_at=observed_at or utcnow(),
        team_id=team_id,
        launch_id=launch_id,
        kpi_id=kpi_id,
        payload=dict(payload or {}),
        query=query,
        feedback_ids=list(feedback_ids or []),
    )
    session.add(signal)
    record_change(session, caller, signal, "created")
    return signal


def list_signals(
    session: Session,
    project_id: int,
    *,
    kind: str | None = None,
    team_id: int | None = None,
    launch_id: int | None = None,
    limit: int = 100,
) -> list[Signal]:
    """The project's signals, newest first, optionally of one kind, team or launch."""
    query = select(Signal).where(Signal.project_id == project_id)
    if kind is not None:
        query = query.where(Signal.kind == kind)
    if team_id is not None:
        query = query.where(Signal.team_id == team_id)
    if launch_id is not None:
        query = query.where(Signal.launch_id == launch_id)
    return list(
        session.scalars(query.order_by(Signal.observed_at.desc(), Signal.id.desc()).limit(limit))
    )
