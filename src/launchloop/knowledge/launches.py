"""Launches and their KPIs, kept in the knowledge base: the one home of their definitions.

A KPI's definition is the analytics :class:`~launchloop.analytics.kpis.Kpi` (validated by
:func:`~launchloop.analytics.kpis.kpi_from_mapping`, whatever writes it: the API, the CLI or the
``[[kpis]]`` of ``launchloop.toml``); a launch's is :class:`~launchloop.analytics.launches.Launch`.
:func:`catalog_of` reads them back as the analytics :class:`Catalog` that evaluates them.
The ``launchloop.toml`` declarations are upserted by name (:func:`sync_declarations`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.analytics.catalog import Catalog
from launchloop.analytics.kpis import Kpi as KpiDefinition
from launchloop.analytics.kpis import kpi_from_mapping
from launchloop.analytics.launches import Launch as LaunchDefinition
from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.lookup import referenced, required_text
from launchloop.knowledge.models import Kpi, Launch, Team
from launchloop.knowledge.roles import Caller, require_writer

#: The author of what ``launchloop.toml`` declares.
DECLARED_BY = "launchloop.toml"
#: Columns of the KPI record; the rest of the definition is kept as JSON.
_COLUMNS = ("name", "kind", "target", "direction")


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
    if _launch_named(session, caller.project_id, name):
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
    definition: Mapping[str, Any] | KpiDefinition,
    *,
    launch_id: int | None = None,
) -> Kpi:
    """Declare a new KPI; its definition is validated as the analytics evaluate it."""
    declared = _definition(definition)
    if _kpi_named(session, caller.project_id, declared.name):
        raise InvalidInput("name", f"a KPI named {declared.name!r} already exists")
    return save_kpi(session, caller, declared, launch_id=launch_id)


def save_kpi(
    session: Session, caller: Caller, declared: KpiDefinition, *, launch_id: int | None = None
) -> Kpi:
    """Create the KPI named ``declared.name`` or update it to ``declared`` (upsert by name).

    :param launch_id: the launch it measures; None keeps the stored link.
    """
    require_writer(caller, "declaring a KPI")
    referenced(session, Launch, caller.project_id, launch_id, "launch_id")
    values = _kpi_values(session, caller.project_id, declared)
    if launch_id is not None:
        values["launch_id"] = launch_id
    row = _kpi_named(session, caller.project_id, declared.name)
    if row is None:
        row = Kpi(project_id=caller.project_id, author=caller.author, **values)
        session.add(row)
        session.flush()
        record_change(session, caller, row, "created")
        return row
    changes = apply_changes(row, values)
    if changes:
        record_change(session, caller, row, "updated", changes)
    return row


def save_launch(session: Session, caller: Caller, declared: LaunchDefinition) -> Launch:
    """Create or update the launch named ``declared.name``; link exactly its declared KPIs.

    A KPI measures one launch: a KPI named by two launches ends up linked to the last one saved.
    """
    require_writer(caller, "recording a launch")
    kpis = [_known_kpi(session, caller.project_id, name) for name in declared.kpis]
    launched_at = datetime.combine(declared.date, time(), UTC)
    row = _launch_named(session, caller.project_id, declared.name)
    if row is None:
        row = create_launch(
            session,
            caller,
            name=declared.name,
            description=declared.description,
            launched_at=launched_at,
        )
        session.flush()
    else:
        values: dict[str, object] = {"description": declared.description}
        if row.launched_at is None or row.launched_at.date() != declared.date:
            values["launched_at"] = launched_at  # SQLite gives it back without its zone
        changes = apply_changes(row, values)
        if changes:
            record_change(session, caller, row, "updated", changes)
    _link(session, row, kpis)
    return row


def link_kpis(session: Session, caller: Caller, launch: Launch, names: Sequence[str]) -> None:
    """Make the KPIs named ``names`` (and only those) measure ``launch``."""
    require_writer(caller, "linking KPIs to a launch")
    _link(session, launch, [_known_kpi(session, caller.project_id, name) for name in names])


def _link(session: Session, launch: Launch, kpis: list[Kpi]) -> None:
    linked = session.scalars(select(Kpi).where(Kpi.launch_id == launch.id))
    for kpi in [k for k in linked if k not in kpis]:
        kpi.launch_id = None
    for kpi in kpis:
        kpi.launch_id = launch.id
    session.flush()


def sync_declarations(session: Session, project_id: int, catalog: Catalog) -> Catalog:
    """Upsert the declared KPIs, then launches, into one project; returns what it now keeps."""
    from launchloop.knowledge.teams import ensure_default_teams

    ensure_default_teams(session, project_id)  # owner teams are looked up by name
    caller = Caller(project_id, "admin", DECLARED_BY)
    for declared in catalog.kpis:
        save_kpi(session, caller, declared)
    for launch in catalog.launches:
        save_launch(session, caller, launch)
    session.flush()
    return catalog_of(session, project_id)


def list_kpis(session: Session, project_id: int, *, launch_id: int | None = None) -> list[Kpi]:
    """The project's KPIs (of one launch when given), by name."""
    query = select(Kpi).where(Kpi.project_id == project_id)
    if launch_id is not None:
        query = query.where(Kpi.launch_id == launch_id)
    return list(session.scalars(query.order_by(Kpi.name)))


def kpi_definition(session: Session, row: Kpi) -> KpiDefinition:
    """The analytics definition of a stored KPI (InvalidInput when it no longer validates)."""
    owner = row.definition.get("owner_team", "product")
    if row.owner_team_id is not None:
        team = session.get(Team, row.owner_team_id)
        owner = team.name if team is not None else owner
    raw = {key: value for key, value in row.definition.items() if key not in _COLUMNS}
    raw |= {key: getattr(row, key) for key in _COLUMNS} | {"owner_team": owner}
    return kpi_from_mapping(raw)


def catalog_of(session: Session, project_id: int) -> Catalog:
    """The project's KPIs (those that validate) and dated launches, as the analytics read them."""
    kpis = []
    for row in list_kpis(session, project_id):
        try:
            kpis.append(kpi_definition(session, row))
        except InvalidInput:
            continue  # shown with its problem by the dashboard; never evaluated
    launches = [
        LaunchDefinition(
            launch.name,
            launch.launched_at.date(),
            tuple(k.name for k in list_kpis(session, project_id, launch_id=launch.id)),
            launch.description,
        )
        for launch in reversed(list_launches(session, project_id))
        if launch.launched_at is not None
    ]
    return Catalog(tuple(kpis), tuple(launches))


def launch_name(session: Session, launch_id: int | None) -> str | None:
    """The name of a launch (None when unlinked)."""
    launch = session.get(Launch, launch_id) if launch_id is not None else None
    return launch.name if launch is not None else None


def _definition(raw: Mapping[str, Any] | KpiDefinition) -> KpiDefinition:
    return raw if isinstance(raw, KpiDefinition) else kpi_from_mapping(raw)


def _kpi_values(session: Session, project_id: int, declared: KpiDefinition) -> dict[str, Any]:
    stored = declared.as_dict()
    team = session.scalar(
        select(Team.id).where(Team.project_id == project_id, Team.name == declared.owner_team)
    )
    return {
        "name": declared.name,
        "kind": declared.kind,
        "target": declared.target,
        "direction": declared.direction,
        "owner_team_id": team,
        "definition": {k: v for k, v in stored.items() if k not in _COLUMNS},
    }


def _kpi_named(session: Session, project_id: int, name: str) -> Kpi | None:
    return session.scalar(select(Kpi).where(Kpi.project_id == project_id, Kpi.name == name))


def _known_kpi(session: Session, project_id: int, name: str) -> Kpi:
    row = _kpi_named(session, project_id, name)
    if row is None:
        raise InvalidInput("kpis", f"no KPI named {name!r}")
    return row


def _launch_named(session: Session, project_id: int, name: str) -> Launch | None:
    return session.scalar(
        select(Launch).where(Launch.project_id == project_id, Launch.name == name)
    )


def kpi_named(session: Session, project_id: int, name: str) -> Kpi:
    """The stored KPI named ``name`` (NotFound otherwise)."""
    row = _kpi_named(session, project_id, name)
    if row is None:
        raise NotFound(f"no KPI named {name!r}")
    return row


def sync_projects(session: Session, catalog: Catalog) -> int:
    """Upsert the declarations into every project (at startup and ``launchloop kpi sync``)."""
    from launchloop.knowledge.projects import list_projects

    projects = list_projects(session)
    for project in projects:
        sync_declarations(session, project.id, catalog)
    return len(projects)
