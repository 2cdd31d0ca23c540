"""Projects and their keys: a public ingestion key and secret API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from launchloop.knowledge.models.base import Base, Timestamped


class Project(Timestamped, Base):
    """One product (or app) whose launches are followed; every record belongs to one."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    public_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="project")


class ApiToken(Timestamped, Base):
    """A secret API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="default")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: viewer, contributor, decider or admin (issue 4); tokens made before roles are admin.
    role: Mapped[str] = mapped_column(String(20), default="admin", server_default="admin")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    #: An instance operator's token (issue 12): may back up the whole instance, every project.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    project: Mapped[Project] = relationship(back_populates="tokens")
