"""Messages to authors: prepared per author when a change they asked for ships, then sent.

One message per reachable author per preparation, listing every change not yet announced to
them; a ``change_notices`` row per (address, change) makes sure nobody hears of a change twice.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.closing.changes import ShippedChange, shipped_changes
from launchloop.closing.letters import letter_language, write_letter
from launchloop.closing.links import supporters
from launchloop.closing.preferences import closing_settings, project_name
from launchloop.closing.reach import AddressBook
from launchloop.closing.unsubscribe import opted_out, unsubscribe_token
from launchloop.config import Settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import choice
from launchloop.knowledge.models import AuthorMessage, ChangeNotice, utcnow
from launchloop.knowledge.roles import Caller, require_writer

MESSAGE_STATUSES: tuple[str, ...] = ("pending", "sent", "failed", "withheld")


@dataclass(frozen=True)
class SmtpServer:
    """Where messages go out, and from whom."""

    host: str
    port: int
    sender: str
    public_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer:
        """The SMTP server and public address of ``settings``."""
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                   settings.public_url.rstrip("/"))  # fmt: skip


@dataclass
class _Recipient:
    changes: list[ShippedChange] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)


def prepare_messages(
    session: Session, caller: Caller, address_of: AddressBook, smtp: SmtpServer
) -> list[AuthorMessage]:
    """Write one message per author with changes to hear of; send them if the project allows."""
    require_writer(caller, "preparing messages to users")
    recipients = _recipients(session, caller.project_id, address_of)
    name = project_name(session, caller.project_id)
    made = [
        _write(session, caller.project_id, name, address, found, smtp)
        for address, found in sorted(recipients.items())
    ]
    session.flush()
    if made and closing_settings(session, caller.project_id).auto_send:
        send_messages(session, caller, smtp, [m.id for m in made])
    return made


def _recipients(
    session: Session, project_id: int, address_of: AddressBook
) -> dict[str, _Recipient]:
    told = {
        (n.address, n.change)
        for n in session.scalars(select(ChangeNotice).where(ChangeNotice.project_id == project_id))
    }
    found: dict[str, _Recipient] = {}
    for change in shipped_changes(session, project_id):
        for item in supporters(session, project_id, change.action):
            address = address_of(item.author)
            if address is None or (address, change.key) in told:
                continue
            if opted_out(session, project_id, address):
                continue
            recipient = found.setdefault(address, _Recipient())
            if change not in recipient.changes:
                recipient.changes.append(change)
            recipient.languages.append(item.language)
    return found


def _write(
    session: Session, project_id: int, name: str, address: str, found: _Recipient, smtp: SmtpServer
) -> AuthorMessage:
    language = letter_language(found.languages)
    url = f"{smtp.public_url}/u/{unsubscribe_token(session, project_id, address)}"
    titles = list(dict.fromkeys(c.title for c in found.changes))
    letter = write_letter(language, name, titles, url)
    message = AuthorMessage(project_id=project_id, address=address, language=language,
                            subject=letter.subject, body=letter.body, status="pending",
                            changes=[c.key for c in found.changes], error="")  # fmt: skip
    session.add(message)
    session.flush()
    for change in found.changes:
        notice = ChangeNotice(project_id=project_id, address=address, change=change.key,
                              message_id=message.id)  # fmt: skip
        session.add(notice)
    return message


def list_messages(
    session: Session, project_id: int, status: str | None = None
) -> list[AuthorMessage]:
    """The project's messages to authors, newest first, optionally of one status."""
    query = select(AuthorMessage).where(AuthorMessage.project_id == project_id)
    if status is not None:
        query = query.where(AuthorMessage.status == choice(status, MESSAGE_STATUSES, "status"))
    return list(session.scalars(query.order_by(AuthorMessage.id.desc())))


def send_messages(
    session: Session, caller: Caller, smtp: SmtpServer, message_ids: list[int] | None = None
) -> list[AuthorMessage]:
    """Send the pending (or failed) messages named, or all of them, over SMTP."""
    require_writer(caller, "sending messages to users")
    waiting = [
        m for m in list_messages(session, caller.project_id) if m.status in ("pending", "failed")
    ]
    if message_ids is not None:
        unknown = set(message_ids) - {m.id for m in waiting}
        if unknown:
            raise InvalidInput("ids", f"no message waiting to be sent: {sorted(unknown)}")
        waiting = [m for m in waiting if m.id in set(message_ids)]
    for message in reversed(waiting):
        _send_one(session, message, smtp)
    session.flush()
    return waiting


def _send_one(session: Session, message: AuthorMessage, smtp: SmtpServer) -> None:
    if opted_out(session, message.project_id, message.address):
        message.status = "withheld"
        return
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = message.address
    mail["Content-Language"] = message.language
    token = unsubscribe_token(session, message.project_id, message.address)
    mail["List-Unsubscribe"] = f"<{smtp.public_url}/u/{token}>"
    mail.set_content(message.body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as server:
            server.send_message(mail)
    except (OSError, smtplib.SMTPException) as failed:
        message.status, message.error = "failed", f"{type(failed).__name__}: {failed}"
        return
    message.status, message.error, message.sent_at = "sent", "", utcnow()
