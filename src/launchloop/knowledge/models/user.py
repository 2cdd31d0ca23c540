"""People who sign in to the web app; a user is a member of projects through ``Member.user_id``."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base, Timestamped

LANGUAGES = ("en", "fr")


class User(Timestamped, Base):
    """A person with a sign-in: email (unique), name, argon2 password hash, interface language."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    #: "en" or "fr": the language of the interface.
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
