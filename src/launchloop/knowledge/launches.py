"""Launches and their KPI definitions, as stored in the knowledge base."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.history import record_change
from launchloop.knowledge.lookup import choice, referenced, required_text
from launchloop.knowledge.models import Kpi, Launch, Team
from launchloop.knowledge.roles import Caller, require_writer

KPI_KINDS: tuple[str, ...] = (
    "count",
    "unique",
    "ratio",
    "funnel_conversion",
    "retention",
    "adoption",
    "friction_rate",
    "nps",
    "csat",
)
DIRECTIONS: tuple[str, ...] = ("up", "down")


def create_launch(
    session: Session,
    caller: Caller,
    *,
    name: str,
    description: str = "",
    launched_at: datetime | None = None,
    hypotheses: list[str] | None = None,
) -> Launch:
    """Record a launch: what was shipped, when, and its hypotheses."""
    require_writer(caller, "recording a launch")
    name = required_text(name, "name")
    if session.scalar(
        select(Launch.id).where(Launch.project_id == caller.project_id, Launch.name == name)
    ):
        raise InvalidInput("name", f"a launch named {name!r} already exists")
    launch = Launch(
        project_id=caller.project_id,
        author=caller.author,
        name=name,
        description=description,
        launched_at=launched_at,
        hypotheses=list(hypotheses or []),
    )
    session.add(launch)
    record_change(session, caller, launch, "created")
    return launch


def list_launches(session: Session, project_id: int) -> list[Launch]:
    """The project's launches, newest first."""
    return list(
        session.scalars(
            select(Launch).where(Launch.project_id == project_id).order_by(Launch.id.desc())
        )
    )


def create_kpi(
    session: Session,
    caller: Caller,
    *,
    name: str,
    kind: str,
    definition: dict[str, Any] | None = None,
    launch_id: int | None = None,
    owner_team_id: int | None = None,
    target: float | None = None,
    direction: str = "up",
) -> Kpi:
    """Declare a KPI: its kind and definition, owner team, target and direction."""
    require_writer(caller, "declaring a KPI")
    name = required_text(name, "name")
    choice(kind, KPI_KINDS, "kind")
    choice(direction, DIRECTIONS, "direction")
    referenced(session, Launch, caller.project_id, launch_id, "launch_id")
    referenced(session, Team, caller.project_id, owner_team_id, "owner_team_id")
    if session.scalar(select(Kpi.id).where(Kpi.project_id == caller.project_id, Kpi.name == name)):
        raise InvalidInput("name", f"a KPI named {name!r} already exists")
    kpi = Kpi(
        project_id=caller.project_id,
        author=caller.author,
        name=name,
        kind=kind,
        definition=dict(definition or {}),
        launch_id=launch_id,
        owner_team_id=owner_team_id,
        target=target,
        direction=direction,
    )
    session.add(kpi)
    record_change(session, caller, kpi, "created")
    return kpi


def list_kpis(session: Session, project_id: int, *, launch_id: int | None = None) -> list[Kpi]:
    """The project's KPIs (of one launch when given), by name."""
    query = select(Kpi).where(Kpi.project_id == project_id)
    if launch_id is not None:
        query = query.where(Kpi.launch_id == launch_id)
    return list(session.scalars(query.order_by(Kpi.name)))
