"""Teams, members with a role per project, and which role takes which decision."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Team(ProjectRecord, Base):
    """A team of the launch taskforce and what it observes (signal kinds, feedback sources)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: What the team watches, as ``"signal:funnel_drop"``, ``"feedback:support"``, ``"kpi:<name>"``.
    observes: Mapped[list[str]] = mapped_column(JSON, default=list)


class Member(ProjectRecord, Base):
    """A person of the project with a role (viewer, contributor, decider, admin)."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    role: Mapped[str] = mapped_column(String(20), default="contributor")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    #: The signed-in user this member is, if any (issue 5).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )


class DecisionRule(ProjectRecord, Base):
    """The least role that takes a decision (validate insights, accept actions, decide tests)."""

    __tablename__ = "decision_rules"
    __table_args__ = (UniqueConstraint("project_id", "decision"),)

    decision: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
