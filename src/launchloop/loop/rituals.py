"""Rituals (issue 9): the weekly KPI reading's agenda, generated from the data, and the
decisions taken at a ritual, kept in the knowledge base.

The weekly reading covers the seven local days that end on ``until``: every KPI of the launch
(all launches' KPIs when no launch is named) with its value, the previous seven days, its
target and its daily series (the sparkline); the signals observed in the week; the draft
insights waiting for validation; the open actions whose evaluation date has come.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.analytics.kpis import evaluate_kpi, period_range
from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.launches import catalog_of
from launchloop.knowledge.lookup import choice, one, required_text
from launchloop.knowledge.models import (
    Action,
    Insight,
    Kpi,
    Launch,
    Learning,
    RitualDecision,
    Signal,
)
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.loop.feeds import OPEN_ACTIONS, aware
from launchloop.store.base import EventStore

RITUALS: tuple[str, ...] = ("weekly", "fortnightly", "monthly")
CITABLE = {"insight": Insight, "learning": Learning, "signal": Signal, "action": Action}


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the reading: the week, the week before, the target, the daily series."""

    name: str
    owner_team: str
    value: float | None
    previous: float | None
    target: float | None
    direction: str
    on_target: bool | None
    series: tuple[float | None, ...]

    @property
    def change(self) -> float | None:
        """This week minus the previous one (None when either is unknown)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class AgendaItem:
    """A signal, a draft or an action on the agenda."""

    kind: str
    item_id: int
    title: str
    detail: str


@dataclass(frozen=True)
class WeeklyAgenda:
    """The weekly KPI reading of a project (and a launch), from ``start`` to ``end``."""

    project_id: int
    launch: str | None
    start: date
    end: date
    time_zone: str
    kpis: tuple[KpiLine, ...]
    signals: tuple[AgendaItem, ...]
    drafts: tuple[AgendaItem, ...]
    evaluations: tuple[AgendaItem, ...]
    decisions: tuple[AgendaItem, ...]

    def as_dict(self) -> dict[str, Any]:
        """The agenda as JSON-ready values."""
        raw = asdict(self)
        raw |= {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for line, kpi in zip(raw["kpis"], self.kpis, strict=True):
            line["change"] = kpi.change
        return raw


def weekly_agenda(
    store: EventStore,
    session: Session,
    project_id: int,
    *,
    until: date,
    time_zone: str = "UTC",
    launch: str | None = None,
) -> WeeklyAgenda:
    """The weekly KPI reading for the seven local days ending on ``until``."""
    launch_row = launch_named(session, project_id, launch)
    span = period_range("7d", until=until, time_zone=time_zone)
    kpis = tuple(
        _kpi_line(store, project_id, kpi, span) for kpi in _kpis(session, project_id, launch)
    )
    start, end = _bounds(span.start, span.end, time_zone)
    launch_id = launch_row.id if launch_row else None
    kpi_ids = _kpi_ids(session, project_id, launch_id)
    return WeeklyAgenda(
        project_id,
        launch,
        span.start,
        span.end,
        time_zone,
        kpis,
        _signals(session, project_id, start, end, launch_id, kpi_ids),
        _drafts(session, project_id, launch_id),
        _evaluations(session, project_id, span.end, launch_id, kpi_ids),
        _decisions(session, project_id, "weekly", span.start, span.end, launch_id),
    )


def record_decision(
    session: Session,
    caller: Caller,
    *,
    ritual: str,
    text: str,
    held_on: date,
    launch: str | None = None,
    cites: list[str] | None = None,
) -> RitualDecision:
    """Keep a decision taken at a ritual, with what it cites (``insight:3``, ``learning:2``)."""
    require_writer(caller, "recording a ritual decision")
    choice(ritual, RITUALS, "ritual")
    launch_row = launch_named(session, caller.project_id, launch)
    cited = [_check_cite(session, caller.project_id, cite) for cite in cites or []]
    row = RitualDecision(
        project_id=caller.project_id,
        author=caller.author,
        ritual=ritual,
        held_on=held_on,
        launch_id=launch_row.id if launch_row else None,
        text=required_text(text, "text"),
        cites=cited,
    )
    session.add(row)
    session.flush()
    return row


def list_decisions(
    session: Session, project_id: int, ritual: str | None = None
) -> list[RitualDecision]:
    """The decisions taken at rituals, newest first."""
    query = select(RitualDecision).where(RitualDecision.project_id == project_id)
    if ritual is not None:
        query = query.where(RitualDecision.ritual == ritual)
    return list(
        session.scalars(query.order_by(RitualDecision.held_on.desc(), RitualDecision.id.desc()))
    )


def _check_cite(session: Session, project_id: int, cite: str) -> str:
    kind, _, raw = cite.partition(":")
    if kind not in CITABLE or not raw.isdigit():
        raise InvalidInput(
            "cites", f"{cite!r} must read insight:<id>, learning:<id>, signal:<id> or action:<id>"
        )
    try:
        one(session, CITABLE[kind], project_id, int(raw))
    except NotFound:
        raise InvalidInput("cites", f"no {kind} {raw} in this project") from None
    return f"{kind}:{int(raw)}"


def launch_named(session: Session, project_id: int, name: str | None) -> Launch | None:
    """The launch of that name (None when no name is given; 404 when unknown)."""
    if name is None:
        return None
    found = session.scalar(
        select(Launch).where(Launch.project_id == project_id, Launch.name == name)
    )
    if found is None:
        raise NotFound(f"no launch named {name!r}")
    return found


def _kpis(session: Session, project_id: int, launch: str | None) -> list[Any]:
    catalog = catalog_of(session, project_id)
    launches = [x for x in catalog.launches if launch is None or x.name == launch]
    names = {name for x in launches for name in x.kpis}
    if launch is None and not names:
        names = {kpi.name for kpi in catalog.kpis}  # no launch yet: every KPI
    return sorted((kpi for kpi in catalog.kpis if kpi.name in names), key=lambda k: k.name)


def _kpi_line(store: EventStore, project_id: int, kpi: Any, span: Any) -> KpiLine:
    reading = evaluate_kpi(store, project_id, kpi, span)
    series = tuple(point.value for point in reading.series)
    return KpiLine(
        kpi.name,
        kpi.owner_team,
        reading.value,
        reading.previous,
        kpi.target,
        kpi.direction,
        reading.on_target,
        series,
    )


def _bounds(first: date, last: date, time_zone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(time_zone)
    start = datetime.combine(first, time(), zone)
    return start, datetime.combine(last + timedelta(days=1), time(), zone)


def _kpi_ids(session: Session, project_id: int, launch_id: int | None) -> set[int]:
    query = select(Kpi.id).where(Kpi.project_id == project_id)
    if launch_id is not None:
        query = query.where(Kpi.launch_id == launch_id)
    return set(session.scalars(query))


def _signals(
    session: Session,
    project_id: int,
    start: datetime,
    end: datetime,
    launch_id: int | None,
    kpi_ids: set[int],
) -> tuple[AgendaItem, ...]:
    query = select(Signal).where(
        Signal.project_id == project_id, Signal.observed_at >= start, Signal.observed_at < end
    )
    rows = []
    for signal in session.scalars(query.order_by(Signal.observed_at, Signal.id)):
        if launch_id is None or signal.launch_id == launch_id or signal.kpi_id in kpi_ids:
            when = aware(signal.observed_at).isoformat(timespec="minutes")
            rows.append(AgendaItem("signal", signal.id, signal.text, f"{signal.kind}, {when}"))
    return tuple(rows)


def _drafts(session: Session, project_id: int, launch_id: int | None) -> tuple[AgendaItem, ...]:
    query = select(Insight).where(Insight.project_id == project_id, Insight.status == "draft")
    if launch_id is not None:
        query = query.where(Insight.launch_id == launch_id)
    return tuple(
        AgendaItem("insight", row.id, row.statement, f"{len(row.evidence)} evidence")
        for row in session.scalars(query.order_by(Insight.id))
    )


def _evaluations(
    session: Session, project_id: int, end: date, launch_id: int | None, kpi_ids: set[int]
) -> tuple[AgendaItem, ...]:
    query = select(Action).where(
        Action.project_id == project_id,
        Action.status.in_(OPEN_ACTIONS),
        Action.evaluation_date <= end,
    )
    rows = []
    for action in session.scalars(query.order_by(Action.evaluation_date, Action.id)):
        launches = {insight.launch_id for insight in action.insights}
        if launch_id is None or action.impact_kpi_id in kpi_ids or launch_id in launches:
            detail = f"{action.kind}, due {action.evaluation_date}"
            rows.append(AgendaItem("action", action.id, action.title, detail))
    return tuple(rows)


def _decisions(
    session: Session, project_id: int, ritual: str, first: date, last: date, launch_id: int | None
) -> tuple[AgendaItem, ...]:
    query = select(RitualDecision).where(
        RitualDecision.project_id == project_id,
        RitualDecision.ritual == ritual,
        RitualDecision.held_on >= first,
        RitualDecision.held_on <= last,
    )
    if launch_id is not None:
        query = query.where(RitualDecision.launch_id == launch_id)
    return tuple(
        AgendaItem("decision", row.id, row.text, ", ".join(row.cites))
        for row in session.scalars(query.order_by(RitualDecision.id))
    )
