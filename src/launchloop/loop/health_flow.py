"""How knowledge flows between teams, and how often it is reused (issue 9, loop health).

The flow is computed from the history: a signal is raised by the team of its author (the
member of that name or email; else the team it was assigned to); an insight is validated by the
team of whoever validated it (the ``validated`` change of its history); an action is taken by
its owner team (else its author's team). An edge ``raiser -> validator`` counts each validated
insight once per team that raised one of its signals; an edge ``validator -> actor`` counts each
action once per insight it stands on. People in no team count as ``unassigned``.

Reuse: an insight is cited by the actions standing on it and the ritual decisions citing it; a
learning by the insights holding it as evidence and the decisions citing it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import (
    Action,
    Change,
    Evidence,
    Insight,
    Learning,
    Member,
    RitualDecision,
    Signal,
    Team,
)

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class TeamPart:
    """What a team does in the loop: signals raised, insights validated, actions taken."""

    team: str
    raised: int
    validated: int
    acted: int


@dataclass(frozen=True)
class FlowEdge:
    """Knowledge passed from one team to another at one stage, and how many times."""

    source: str
    target: str
    stage: str
    count: int


@dataclass(frozen=True)
class Reuse:
    """How many items there are, how many are cited at least once, and citations in all."""

    items: int
    cited: int
    citations: int

    @property
    def rate(self) -> float | None:
        """Share of items cited at least once (None without items)."""
        return self.cited / self.items if self.items else None


@dataclass(frozen=True)
class KnowledgeFlow:
    """The teams' parts, the edges between them, and the reuse of insights and learnings."""

    teams: tuple[TeamPart, ...]
    edges: tuple[FlowEdge, ...]
    insight_reuse: Reuse
    learning_reuse: Reuse

    def as_dict(self) -> dict[str, Any]:
        """The flow as JSON-ready values."""
        return {
            "teams": [asdict(t) for t in self.teams],
            "edges": [asdict(e) for e in self.edges],
            "insight_reuse": asdict(self.insight_reuse) | {"rate": self.insight_reuse.rate},
            "learning_reuse": asdict(self.learning_reuse) | {"rate": self.learning_reuse.rate},
        }


def team_of_people(session: Session, project_id: int) -> dict[str, str]:
    """Each member's name and email, mapped to their team's name."""
    query = (
        select(Member.name, Member.email, Team.name)
        .join(Team, Team.id == Member.team_id)
        .where(Member.project_id == project_id)
    )
    found: dict[str, str] = {}
    for name, email, team in session.execute(query):
        found[name] = team
        if email:
            found[email] = team
    return found


def knowledge_flow(session: Session, project_id: int) -> KnowledgeFlow:
    """Who raises signals, who validates, who acts, and the reuse of knowledge."""
    people = team_of_people(session, project_id)
    team_names = dict(
        session.execute(select(Team.id, Team.name).where(Team.project_id == project_id)).all()
    )
    raisers = _raisers(session, project_id, people, team_names)
    validators = _validators(session, project_id, people)
    edges: Counter[tuple[str, str, str]] = Counter()
    for insight_id, validator in validators.items():
        for raiser in raisers.get(insight_id, set()):
            edges[(raiser, validator, "validates")] += 1
    acted: Counter[str] = Counter()
    for action in session.scalars(select(Action).where(Action.project_id == project_id)):
        owner = team_names.get(action.owner_team_id) if action.owner_team_id else None
        actor = owner or people.get(action.author, UNASSIGNED)
        acted[actor] += 1
        for insight_id in action.insight_ids:
            if insight_id in validators:
                edges[(validators[insight_id], actor, "acts on")] += 1
    raised = _raised(session, project_id, people, team_names)
    validated = Counter(validators.values())
    names = sorted({*raised, *validated, *acted})
    return KnowledgeFlow(
        tuple(TeamPart(n, raised[n], validated[n], acted[n]) for n in names),
        tuple(FlowEdge(s, t, stage, c) for (s, t, stage), c in sorted(edges.items())),
        _insight_reuse(session, project_id),
        _learning_reuse(session, project_id),
    )


def _signal_team(signal: Signal, people: dict[str, str], team_names: dict[int, str]) -> str:
    assigned = team_names.get(signal.team_id) if signal.team_id else None
    return people.get(signal.author) or assigned or UNASSIGNED


def _raised(
    session: Session, project_id: int, people: dict[str, str], team_names: dict[int, str]
) -> Counter[str]:
    signals = session.scalars(select(Signal).where(Signal.project_id == project_id))
    return Counter(_signal_team(s, people, team_names) for s in signals)


def _raisers(
    session: Session, project_id: int, people: dict[str, str], team_names: dict[int, str]
) -> dict[int, set[str]]:
    query = (
        select(Evidence.insight_id, Signal)
        .join(Signal, Signal.id == Evidence.signal_id)
        .where(Signal.project_id == project_id)
    )
    found: dict[int, set[str]] = {}
    for insight_id, signal in session.execute(query):
        found.setdefault(insight_id, set()).add(_signal_team(signal, people, team_names))
    return found


def _validators(session: Session, project_id: int, people: dict[str, str]) -> dict[int, str]:
    """The team of whoever last validated each insight, from the history."""
    query = select(Change.item_id, Change.author).where(
        Change.project_id == project_id, Change.item_kind == "insight", Change.verb == "validated"
    )
    return {
        item_id: people.get(author, UNASSIGNED)
        for item_id, author in session.execute(query.order_by(Change.id))
    }


def _decision_cites(session: Session, project_id: int, kind: str) -> Counter[int]:
    query = select(RitualDecision.cites).where(RitualDecision.project_id == project_id)
    prefix = f"{kind}:"
    return Counter(
        int(c[len(prefix) :])
        for cites in session.scalars(query)
        for c in cites or []
        if c.startswith(prefix)
    )


def _insight_reuse(session: Session, project_id: int) -> Reuse:
    cites = _decision_cites(session, project_id, "insight")
    for action in session.scalars(select(Action).where(Action.project_id == project_id)):
        cites.update(action.insight_ids)
    query = select(Insight.id).where(Insight.project_id == project_id, Insight.status != "draft")
    ids = list(session.scalars(query))
    return Reuse(len(ids), sum(1 for i in ids if cites[i]), sum(cites[i] for i in ids))


def _learning_reuse(session: Session, project_id: int) -> Reuse:
    cites = _decision_cites(session, project_id, "learning")
    query = (
        select(Evidence.learning_id)
        .join(Insight, Insight.id == Evidence.insight_id)
        .where(Insight.project_id == project_id, Evidence.learning_id.is_not(None))
    )
    cites.update(session.scalars(query))
    ids = list(session.scalars(select(Learning.id).where(Learning.project_id == project_id)))
    return Reuse(len(ids), sum(1 for i in ids if cites[i]), sum(cites[i] for i in ids))
