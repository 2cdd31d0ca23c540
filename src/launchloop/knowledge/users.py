"""Users who sign in to the web app: accounts, argon2 passwords, their memberships and roles."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from launchloop.knowledge.models import Member, Project, User
from launchloop.knowledge.models.user import LANGUAGES
from launchloop.knowledge.roles import Caller, check_role, require_role

HASHER = PasswordHasher()
#: Verified against when the email is unknown, so both failures take the same time.
_DECOY_HASH = HASHER.hash("launchloop-decoy-password")


@dataclass(frozen=True)
class Membership:
    """A project a user belongs to, with the user's member record and role there."""

    project_id: int
    project_name: str
    member_id: int
    role: str


def normalize_email(email: str) -> str:
    """The email trimmed and lower-cased; InvalidInput when it cannot be an address."""
    cleaned = email.strip().lower()
    if "@" not in cleaned or cleaned.startswith("@") or cleaned.endswith("@") or " " in cleaned:
        raise InvalidInput("email", f"{email!r} is not an email address")
    return cleaned


def check_language(language: str) -> str:
    """``language`` if the interface speaks it, else InvalidInput."""
    if language not in LANGUAGES:
        raise InvalidInput("language", f"expected one of {', '.join(LANGUAGES)}")
    return language


def create_user(
    session: Session, *, email: str, password: str, name: str = "", language: str = "en"
) -> User:
    """A new user with an argon2 hash of ``password``; the email must be unused."""
    email = normalize_email(email)
    if not password:
        raise InvalidInput("password", "must not be empty")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput("email", f"a user with email {email!r} already exists")
    user = User(
        email=email,
        name=name.strip() or email.split("@")[0],
        password_hash=HASHER.hash(password),
        language=check_language(language),
    )
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """The user with ``email`` (any case), or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> User:
    """The user whose email and password match; Unauthorized otherwise (same answer for both)."""
    user = user_by_email(session, email)
    try:
        HASHER.verify(user.password_hash if user else _DECOY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong email or password") from None
    if user is None:
        raise Unauthorized("wrong email or password")
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password."""
    if not password:
        raise InvalidInput("password", "must not be empty")
    user.password_hash = HASHER.hash(password)
    session.flush()


def set_language(session: Session, user: User, language: str) -> None:
    """Change the language of the user's interface."""
    user.language = check_language(language)
    session.flush()


def add_user_to_project(
    session: Session, user: User, project_id: int, *, role: str, author: str = ""
) -> Member:
    """Make ``user`` a member of the project with ``role`` (links a member with the same email)."""
    check_role(role)
    if session.get(Project, project_id) is None:
        raise NotFound(f"no project {project_id}")
    member = _member_of(session, user, project_id)
    if member is None:
        member = Member(
            project_id=project_id, author=author, name=_free_name(session, user, project_id)
        )
        session.add(member)
    member.user_id, member.email, member.role = user.id, user.email, role
    session.flush()
    return member


def _member_of(session: Session, user: User, project_id: int) -> Member | None:
    linked = session.scalar(
        select(Member).where(Member.project_id == project_id, Member.user_id == user.id)
    )
    if linked is not None:
        return linked
    return session.scalar(
        select(Member).where(
            Member.project_id == project_id,
            Member.user_id.is_(None),
            Member.email == user.email,
        )
    )


def _free_name(session: Session, user: User, project_id: int) -> str:
    taken = set(session.scalars(select(Member.name).where(Member.project_id == project_id)))
    return user.name if user.name not in taken else f"{user.name} ({user.email})"


def memberships(session: Session, user_id: int) -> list[Membership]:
    """The projects the user belongs to, by project name."""
    rows = session.execute(
        select(Member.project_id, Project.name, Member.id, Member.role)
        .join(Project, Project.id == Member.project_id)
        .where(Member.user_id == user_id)
        .order_by(Project.name, Project.id)
    )
    return [Membership(*row) for row in rows]


def caller_for_user(session: Session, user_id: int, project_id: int) -> Caller:
    """The caller acting as the user in the project; Forbidden when not a member."""
    member = session.scalar(
        select(Member).where(Member.project_id == project_id, Member.user_id == user_id)
    )
    if member is None:
        raise Forbidden(f"you are not a member of project {project_id}")
    return Caller(project_id, member.role, member.name, member.id)


def invite_user(session: Session, caller: Caller, *, email: str, role: str) -> Member:
    """Make the user with ``email`` a member of the caller's project; admins only."""
    require_role(caller, "admin", "adding a member")
    user = user_by_email(session, email)
    if user is None:
        raise InvalidInput("email", f"no user signs in with {email.strip()!r}")
    return add_user_to_project(session, user, caller.project_id, role=role, author=caller.author)
