"""Subscriptions: members and teams following a launch, a KPI or a tag (issue 9)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import one, required_text
from launchloop.knowledge.models import Member, Subscription, Team
from launchloop.knowledge.roles import Caller, require_writer

#: What one can follow, as ``"<prefix>:<name>"``.
SUBJECT_PREFIXES: tuple[str, ...] = ("launch", "kpi", "tag")


def check_subject(subject: str) -> str:
    """``subject`` if it reads ``launch:<name>``, ``kpi:<name>`` or ``tag:<tag>``."""
    subject = required_text(subject, "subject")
    prefix, _, name = subject.partition(":")
    if prefix not in SUBJECT_PREFIXES or not name.strip():
        raise InvalidInput("subject", "must read launch:<name>, kpi:<name> or tag:<tag>")
    return f"{prefix}:{name.strip()}"


def subscribe(
    session: Session,
    caller: Caller,
    subject: str,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
) -> Subscription:
    """Make one member or one team follow ``subject``; following twice keeps one row."""
    require_writer(caller, "subscribing")
    if (member_id is None) == (team_id is None):
        raise InvalidInput("member_id", "give exactly one of member_id and team_id")
    subject = check_subject(subject)
    if member_id is not None:
        one(session, Member, caller.project_id, member_id)
    if team_id is not None:
        one(session, Team, caller.project_id, team_id)
    found = _existing(session, caller.project_id, subject, member_id, team_id)
    if found is not None:
        return found
    row = Subscription(
        project_id=caller.project_id,
        author=caller.author,
        subject=subject,
        member_id=member_id,
        team_id=team_id,
    )
    session.add(row)
    session.flush()
    return row


def unsubscribe(session: Session, caller: Caller, subscription_id: int) -> None:
    """Stop one subscription."""
    require_writer(caller, "unsubscribing")
    session.delete(one(session, Subscription, caller.project_id, subscription_id))


def subjects_of(
    session: Session, project_id: int, *, member_id: int | None = None, team_id: int | None = None
) -> set[str]:
    """What a member or a team follows."""
    query = select(Subscription.subject).where(Subscription.project_id == project_id)
    if member_id is not None:
        query = query.where(Subscription.member_id == member_id)
    if team_id is not None:
        query = query.where(Subscription.team_id == team_id)
    return set(session.scalars(query))


def list_subscriptions(session: Session, project_id: int) -> list[Subscription]:
    """The project's subscriptions, oldest first."""
    query = select(Subscription).where(Subscription.project_id == project_id)
    return list(session.scalars(query.order_by(Subscription.id)))


def _existing(
    session: Session, project_id: int, subject: str, member_id: int | None, team_id: int | None
) -> Subscription | None:
    query = select(Subscription).where(
        Subscription.project_id == project_id,
        Subscription.subject == subject,
        Subscription.member_id.is_(None)
        if member_id is None
        else Subscription.member_id == member_id,
        Subscription.team_id.is_(None) if team_id is None else Subscription.team_id == team_id,
    )
    return session.scalar(query)
