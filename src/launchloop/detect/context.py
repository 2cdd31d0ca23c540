"""What every detector reads: the project, the window, its KPIs and launches, its teams."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from launchloop.analytics.kpis import Kpi
from launchloop.analytics.launches import Launch
from launchloop.detect.findings import DetectionWindow
from launchloop.knowledge.launches import catalog_of, list_kpis, list_launches
from launchloop.knowledge.teams import list_teams
from launchloop.store.base import EventStore


@dataclass
class DetectionContext:
    """The inputs of one detection run (the session reads feedback and the knowledge base)."""

    store: EventStore
    session: Session
    project_id: int
    window: DetectionWindow
    kpis: tuple[Kpi, ...] = ()
    launches: tuple[Launch, ...] = ()
    #: Knowledge-base id of each KPI, by name.
    kpi_ids: dict[str, int] = field(default_factory=dict)
    #: Knowledge-base id of the launch each KPI measures, by KPI name.
    kpi_launch_ids: dict[str, int] = field(default_factory=dict)
    #: Knowledge-base id of each launch, by name.
    launch_ids: dict[str, int] = field(default_factory=dict)
    #: Team ids by team name.
    team_ids: dict[str, int] = field(default_factory=dict)
    #: The team that observes each signal kind (``signal:<kind>`` in its ``observes``).
    observer_ids: dict[str, int] = field(default_factory=dict)


def detection_context(
    store: EventStore, session: Session, project_id: int, window: DetectionWindow
) -> DetectionContext:
    """The context of a run: the KPIs and launches the knowledge base keeps, and the teams."""
    catalog = catalog_of(session, project_id)
    context = DetectionContext(store, session, project_id, window, catalog.kpis, catalog.launches)
    teams = list_teams(session, project_id)
    context.team_ids = {team.name: team.id for team in teams}
    for team in teams:
        for observed in team.observes or []:
            kind = observed.removeprefix("signal:")
            if observed.startswith("signal:") and kind not in context.observer_ids:
                context.observer_ids[kind] = team.id
    for row in list_kpis(session, project_id):
        context.kpi_ids[row.name] = row.id
        if row.launch_id is not None:
            context.kpi_launch_ids[row.name] = row.launch_id
    context.launch_ids = {launch.name: launch.id for launch in list_launches(session, project_id)}
    return context
