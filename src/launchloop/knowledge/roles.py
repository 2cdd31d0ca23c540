"""Who is calling and what their role lets them do (viewer < contributor < decider < admin).

Every write of the knowledge base takes a :class:`Caller` and checks it here; which role takes
each decision (validate insights, accept actions, decide experiments) is set per project.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import Forbidden, InvalidInput, Unauthorized
from launchloop.knowledge.models import ApiToken, DecisionRule, Member
from launchloop.knowledge.projects import hash_token

ROLES: tuple[str, ...] = ("viewer", "contributor", "decider", "admin")
#: Each decision and the role that takes it unless the project says otherwise.
DECISIONS: dict[str, str] = {
    "validate_insight": "decider",
    "accept_action": "decider",
    "decide_experiment": "decider",
}


@dataclass(frozen=True)
class Caller:
    """A caller of the knowledge base: its project, role and the name written as author."""

    project_id: int
    role: str
    author: str
    member_id: int | None = None


def check_role(role: str, field: str = "role") -> str:
    """``role`` if it is one of :data:`ROLES`, else InvalidInput."""
    if role not in ROLES:
        raise InvalidInput(field, f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def require_role(caller: Caller, minimum: str, doing: str) -> None:
    """Forbidden unless the caller's role is at least ``minimum``."""
    if ROLES.index(caller.role) < ROLES.index(minimum):
        raise Forbidden(f"{doing} needs the {minimum} role; this caller is a {caller.role}")


def require_writer(caller: Caller, doing: str) -> None:
    """Forbidden for viewers: every write needs at least the contributor role."""
    require_role(caller, "contributor", doing)


def decision_role(session: Session, project_id: int, decision: str) -> str:
    """The least role that takes ``decision`` in the project."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", f"unknown decision {decision!r}")
    role = session.scalar(
        select(DecisionRule.role).where(
            DecisionRule.project_id == project_id, DecisionRule.decision == decision
        )
    )
    return role or DECISIONS[decision]


def require_decision(session: Session, caller: Caller, decision: str) -> None:
    """Forbidden unless the caller's role takes ``decision`` in its project."""
    minimum = decision_role(session, caller.project_id, decision)
    require_role(caller, minimum, decision.replace("_", " "))


def decision_roles(session: Session, project_id: int) -> dict[str, str]:
    """Every decision of the project and the role that takes it."""
    return {decision: decision_role(session, project_id, decision) for decision in DECISIONS}


def set_decision_role(session: Session, caller: Caller, *, decision: str, role: str) -> None:
    """Make ``role`` (and above) take ``decision`` in the caller's project; admins only."""
    require_role(caller, "admin", "changing who decides")
    decision_role(session, caller.project_id, decision)
    check_role(role)
    rule = session.scalar(
        select(DecisionRule).where(
            DecisionRule.project_id == caller.project_id, DecisionRule.decision == decision
        )
    )
    if rule is None:
        rule = DecisionRule(project_id=caller.project_id, decision=decision, author=caller.author)
        session.add(rule)
    rule.role = role
    session.flush()


def caller_for_token(session: Session, token: str | None) -> Caller:
    """The caller behind a secret API token: its project, role and author name."""
    if not token:
        raise Unauthorized("an API token is required")
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        raise Unauthorized("unknown or revoked API token")
    author = row.label
    if row.member_id is not None:
        member = session.get(Member, row.member_id)
        author = member.name if member else author
    return Caller(row.project_id, row.role, author, row.member_id)
