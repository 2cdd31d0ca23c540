"""Teams and members: who observes what, who has which role in the project."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.lookup import one, referenced, required_text
from launchloop.knowledge.models import ApiToken, Member, Team
from launchloop.knowledge.projects import create_token, hash_token
from launchloop.knowledge.roles import Caller, check_role, require_role

#: The teams every project starts with, and what each observes by default (DESIGN.md).
DEFAULT_TEAMS: dict[str, tuple[str, list[str]]] = {
    "product": ("Usage and adoption", ["signal:kpi_moved", "signal:kpi_off_target"]),
    "marketing": ("Funnel, acquisition and messages", ["signal:funnel_drop"]),
    "support": ("Field feedback", ["signal:theme_surge", "feedback:support"]),
    "tech": ("Performance and errors", ["signal:friction_hotspot"]),
}


def ensure_default_teams(session: Session, project_id: int) -> list[Team]:
    """Create the default teams of a project that has none; return the project's teams."""
    teams = list_teams(session, project_id)
    if teams:
        return teams
    for name, (description, observes) in DEFAULT_TEAMS.items():
        session.add(
            Team(project_id=project_id, name=name, description=description, observes=observes)
        )
    session.flush()
    return list_teams(session, project_id)


def list_teams(session: Session, project_id: int) -> list[Team]:
    """The project's teams, in creation order."""
    return list(
        session.scalars(select(Team).where(Team.project_id == project_id).order_by(Team.id))
    )


def observers_of(session: Session, project_id: int, subject: str) -> list[Team]:
    """The teams that observe ``subject`` (``"signal:funnel_drop"``, ``"feedback:support"``)."""
    return [team for team in ensure_default_teams(session, project_id) if subject in team.observes]


def create_team(
    session: Session, caller: Caller, *, name: str, description: str = "", observes: list[str]
) -> Team:
    """Add a team; admins only (teams are the project's configuration)."""
    require_role(caller, "admin", "creating a team")
    name = required_text(name, "name")
    if session.scalar(
        select(Team.id).where(Team.project_id == caller.project_id, Team.name == name)
    ):
        raise InvalidInput("name", f"a team named {name!r} already exists")
    team = Team(
        project_id=caller.project_id,
        author=caller.author,
        name=name,
        description=description,
        observes=list(observes),
    )
    session.add(team)
    record_change(session, caller, team, "created")
    return team


def update_team(
    session: Session,
    caller: Caller,
    team_id: int,
    *,
    description: str | None = None,
    observes: list[str] | None = None,
) -> Team:
    """Change what a team is and observes; admins only."""
    require_role(caller, "admin", "changing a team")
    team = one(session, Team, caller.project_id, team_id)
    updates = {"description": description, "observes": observes}
    changes = apply_changes(team, {k: v for k, v in updates.items() if v is not None})
    record_change(session, caller, team, "updated", changes)
    return team


def create_member(
    session: Session,
    caller: Caller,
    *,
    name: str,
    role: str = "contributor",
    email: str | None = None,
    team_id: int | None = None,
) -> Member:
    """Add a person with a role to the project; admins only."""
    require_role(caller, "admin", "adding a member")
    name = required_text(name, "name")
    check_role(role)
    referenced(session, Team, caller.project_id, team_id, "team_id")
    if session.scalar(
        select(Member.id).where(Member.project_id == caller.project_id, Member.name == name)
    ):
        raise InvalidInput("name", f"a member named {name!r} already exists")
    member = Member(
        project_id=caller.project_id,
        author=caller.author,
        name=name,
        role=role,
        email=email,
        team_id=team_id,
    )
    session.add(member)
    record_change(session, caller, member, "created", {"role": [None, role]})
    return member


def list_members(session: Session, project_id: int) -> list[Member]:
    """The project's members, in creation order."""
    return list(
        session.scalars(select(Member).where(Member.project_id == project_id).order_by(Member.id))
    )


def set_member_role(session: Session, caller: Caller, member_id: int, role: str) -> Member:
    """Change a member's role (and the role of its tokens); admins only."""
    require_role(caller, "admin", "changing a role")
    member = one(session, Member, caller.project_id, member_id)
    changes = apply_changes(member, {"role": check_role(role)})
    session.execute(update(ApiToken).where(ApiToken.member_id == member.id).values(role=role))
    record_change(session, caller, member, "role", changes)
    return member


def create_member_token(session: Session, caller: Caller, member_id: int) -> str:
    """A new secret API token acting as the member, with the member's role; admins only."""
    require_role(caller, "admin", "creating a token")
    member = one(session, Member, caller.project_id, member_id)
    token = create_token(session, project_id=caller.project_id, label=member.name)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert row is not None
    row.role, row.member_id = member.role, member.id
    session.flush()
    return token


def create_role_token(session: Session, caller: Caller, *, label: str, role: str) -> str:
    """A new secret API token with ``role`` and no member (for scripts); admins only."""
    require_role(caller, "admin", "creating a token")
    token = create_token(session, project_id=caller.project_id, label=required_text(label, "label"))
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert row is not None
    row.role = check_role(role)
    session.flush()
    return token
