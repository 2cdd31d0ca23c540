"""Email digests over SMTP (issue 9): plain text with an HTML alternative."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from html import escape

from launchloop.knowledge.models import NotificationPreference
from launchloop.loop.notify import Notice, Outbox, Sent


def message(notice: Notice, sender: str, to: str) -> EmailMessage:
    """The digest as an email: one line (and link) per item."""
    mail = EmailMessage()
    mail["Subject"] = notice.title
    mail["From"] = sender
    mail["To"] = to
    text = [notice.title, ""] + [
        f"- [{line.kind}] {line.title}\n  {line.url}" for line in notice.lines
    ]
    mail.set_content("\n".join(text))
    items = "".join(
        f'<li><b>{escape(line.kind)}</b>: <a href="{escape(line.url)}">{escape(line.title)}</a>'
        f"<br><small>{escape(', '.join(line.reasons))}</small></li>"
        for line in notice.lines
    )
    mail.add_alternative(f"<h1>{escape(notice.title)}</h1><ul>{items}</ul>", subtype="html")
    return mail


def send(notice: Notice, preference: NotificationPreference, outbox: Outbox) -> Sent:
    """Send the digest to the member's address through the outbox's SMTP server."""
    try:
        with smtplib.SMTP(outbox.smtp_host, outbox.smtp_port, timeout=10) as smtp:
            smtp.send_message(message(notice, outbox.sender, preference.address))
    except (OSError, smtplib.SMTPException) as failed:
        return Sent(False, 1, None, f"{type(failed).__name__}: {failed}")
    return Sent(True, 1)
