"""Team feeds (issue 9): what concerns a team or a member, routed from what it observes.

A signal carries handles: ``signal:<kind>``, ``kpi:<name>``, ``launch:<name>`` and its source
when that is ``feedback:<kind>``. It reaches a team that observes one of them (``Team.observes``)
or follows one (subscriptions), that owns its KPI, or that it was assigned to. An insight reaches
the teams it concerns, those whose name it carries as a tag, and those that follow its launch,
one of its tags or a handle of a signal among its evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import NotFound
from launchloop.knowledge.lookup import one
from launchloop.knowledge.models import (
    Action,
    Evidence,
    Insight,
    Kpi,
    Launch,
    Member,
    Signal,
    Team,
)
from launchloop.knowledge.teams import list_teams
from launchloop.loop.subscriptions import subjects_of

#: The kinds of feed item, in the order a feed shows them.
ITEM_KINDS: tuple[str, ...] = ("evaluation_due", "signal", "draft_insight", "insight", "action")
OPEN_ACTIONS: tuple[str, ...] = ("proposed", "planned", "in_progress", "evaluating")
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Audience:
    """Who a feed is for: its teams, what they observe, and what it follows."""

    name: str
    team_ids: frozenset[int]
    team_names: frozenset[str]
    observes: frozenset[str]
    subjects: frozenset[str]

    @property
    def watched(self) -> frozenset[str]:
        """Every handle the audience observes or follows."""
        return self.observes | self.subjects


@dataclass(frozen=True)
class FeedItem:
    """One thing in a feed, and why it was routed there."""

    kind: str
    item_id: int
    title: str
    at: datetime
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The item as JSON-ready values."""
        return {
            "kind": self.kind,
            "id": self.item_id,
            "title": self.title,
            "at": self.at.isoformat(),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Feed:
    """A team's (or a member's) feed since a moment."""

    name: str
    since: datetime
    today: date
    items: tuple[FeedItem, ...] = field(default=())

    def of_kind(self, kind: str) -> list[FeedItem]:
        """The items of one kind."""
        return [item for item in self.items if item.kind == kind]

    def as_dict(self) -> dict[str, Any]:
        """The feed as JSON-ready values, items grouped by kind."""
        return {
            "name": self.name,
            "since": self.since.isoformat(),
            "today": self.today.isoformat(),
            "items": {kind: [i.as_dict() for i in self.of_kind(kind)] for kind in ITEM_KINDS},
        }


def find_team(session: Session, project_id: int, key: str | int) -> Team:
    """A team of the project by id or by name, or NotFound."""
    if isinstance(key, int) or str(key).isdigit():
        return one(session, Team, project_id, int(key))
    for team in list_teams(session, project_id):
        if team.name == key:
            return team
    raise NotFound(f"no team {key!r} in this project")


def team_audience(session: Session, team: Team) -> Audience:
    """A team's audience: what it observes and what it follows."""
    subjects = subjects_of(session, team.project_id, team_id=team.id)
    return Audience(
        team.name,
        frozenset({team.id}),
        frozenset({team.name}),
        frozenset(team.observes or []),
        frozenset(subjects),
    )


def member_audience(session: Session, project_id: int, member_id: int) -> Audience:
    """A member's audience: the member's team, with the team's and the member's subscriptions."""
    member = one(session, Member, project_id, member_id)
    subjects = subjects_of(session, project_id, member_id=member.id)
    team = session.get(Team, member.team_id) if member.team_id is not None else None
    if team is None:
        return Audience(member.name, frozenset(), frozenset(), frozenset(), frozenset(subjects))
    base = team_audience(session, team)
    return Audience(
        member.name, base.team_ids, base.team_names, base.observes, base.subjects | subjects
    )


def team_feed(
    session: Session,
    project_id: int,
    team_key: str | int,
    *,
    since: datetime | None = None,
    today: date | None = None,
) -> Feed:
    """The feed of a team (by id or name): see :func:`build_feed`."""
    audience = team_audience(session, find_team(session, project_id, team_key))
    return build_feed(session, project_id, audience, since=since, today=today)


def build_feed(
    session: Session,
    project_id: int,
    audience: Audience,
    *,
    since: datetime | None = None,
    today: date | None = None,
) -> Feed:
    """Signals observed since ``since``, drafts waiting, insights validated since, open actions
    owned and their evaluations due by ``today`` (defaults: the last 7 days, today in UTC)."""
    today = today or datetime.now(UTC).date()
    since = aware(since) if since else datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    names = _Names.load(session, project_id)
    signals = _signal_items(session, project_id, audience, names, since)
    insights = _insight_items(session, project_id, audience, names, since)
    actions = _action_items(session, project_id, audience, today)
    items = sorted([*signals, *insights, *actions], key=_order)
    return Feed(audience.name, since, today, tuple(items))


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone (SQLite gives back UTC times without one)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Names:
    kpis: dict[int, str]
    kpi_owners: dict[int, int | None]
    launches: dict[int, str]
    signals: dict[int, Signal]

    @classmethod
    def load(cls, session: Session, project_id: int) -> _Names:
        """The names of the project's KPIs and launches, and the signals cited as evidence."""
        kpis = list(session.scalars(select(Kpi).where(Kpi.project_id == project_id)))
        launches = session.scalars(select(Launch).where(Launch.project_id == project_id))
        return cls(
            {k.id: k.name for k in kpis},
            {k.id: k.owner_team_id for k in kpis},
            {launch.id: launch.name for launch in launches},
            {s.id: s for s in session.scalars(_evidence_signals(project_id))},
        )


def _evidence_signals(project_id: int) -> Any:
    """The signals some insight cites as evidence (they route the insight too)."""
    cited = select(Evidence.signal_id).where(Evidence.signal_id.is_not(None))
    return select(Signal).where(Signal.project_id == project_id, Signal.id.in_(cited))


def signal_handles(signal: Signal, names: _Names) -> set[str]:
    """What a signal can be routed by."""
    handles = {f"signal:{signal.kind}"}
    if signal.kpi_id in names.kpis:
        handles.add(f"kpi:{names.kpis[signal.kpi_id]}")
    if signal.launch_id in names.launches:
        handles.add(f"launch:{names.launches[signal.launch_id]}")
    if signal.source.startswith("feedback:"):
        handles.add(signal.source)
    return handles


def _signal_reasons(signal: Signal, audience: Audience, names: _Names) -> list[str]:
    reasons = sorted(signal_handles(signal, names) & audience.watched)
    if signal.team_id in audience.team_ids:
        reasons.append("assigned")
    if signal.kpi_id is not None and names.kpi_owners.get(signal.kpi_id) in audience.team_ids:
        reasons.append("owns the KPI")
    return reasons


def _signal_items(
    session: Session, project_id: int, audience: Audience, names: _Names, since: datetime
) -> list[FeedItem]:
    query = select(Signal).where(Signal.project_id == project_id, Signal.observed_at >= since)
    items = []
    for signal in session.scalars(query):
        reasons = _signal_reasons(signal, audience, names)
        if reasons:
            at = aware(signal.observed_at)
            items.append(FeedItem("signal", signal.id, signal.text, at, tuple(reasons)))
    return items


def _insight_reasons(insight: Insight, audience: Audience, names: _Names) -> list[str]:
    handles = {f"tag:{tag}" for tag in insight.tags}
    if insight.launch_id in names.launches:
        handles.add(f"launch:{names.launches[insight.launch_id]}")
    for evidence in insight.evidence:
        signal = names.signals.get(evidence.signal_id or 0)
        if signal is not None:
            handles |= signal_handles(signal, names)
    reasons = sorted(handles & audience.watched)
    if set(insight.team_ids) & audience.team_ids:
        reasons.append("concerns the team")
    if set(insight.tags) & audience.team_names:
        reasons.append("tagged for the team")
    return reasons


def _insight_items(
    session: Session, project_id: int, audience: Audience, names: _Names, since: datetime
) -> list[FeedItem]:
    query = select(Insight).where(Insight.project_id == project_id)
    items = []
    for insight in session.scalars(query.where(Insight.status.in_(("draft", "validated")))):
        if insight.status == "validated" and aware(insight.validated_at or since) < since:
            continue  # validated insights show the week they are validated
        reasons = _insight_reasons(insight, audience, names)
        if reasons:
            kind = "draft_insight" if insight.status == "draft" else "insight"
            at = aware(insight.validated_at or insight.created_at)
            items.append(FeedItem(kind, insight.id, insight.statement, at, tuple(reasons)))
    return items


def _action_items(
    session: Session, project_id: int, audience: Audience, today: date
) -> list[FeedItem]:
    query = select(Action).where(
        Action.project_id == project_id,
        Action.status.in_(OPEN_ACTIONS),
        Action.owner_team_id.in_(audience.team_ids),
    )
    items = []
    for action in session.scalars(query):
        day = action.evaluation_date
        if day is not None and day <= today:
            # An evaluation is news from the day it falls due (notices send it once).
            at = datetime.combine(day, time(), UTC)
            items.append(FeedItem("evaluation_due", action.id, action.title, at,
                                  (f"evaluation due {day}",)))  # fmt: skip
        else:
            at = aware(action.created_at)
            items.append(FeedItem("action", action.id, action.title, at, ("owns the action",)))
    return items


def _order(item: FeedItem) -> tuple[int, float, int]:
    return (ITEM_KINDS.index(item.kind), -item.at.timestamp(), item.item_id)


def feed_kinds(items: Iterable[FeedItem]) -> dict[str, int]:
    """How many items of each kind."""
    counts = dict.fromkeys(ITEM_KINDS, 0)
    for item in items:
        counts[item.kind] += 1
    return counts
