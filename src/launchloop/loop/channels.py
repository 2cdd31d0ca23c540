"""The notification channels, by name: adding one means adding a module and a line here."""

from __future__ import annotations

from launchloop.loop import email, slack, webhooks
from launchloop.loop.notify import Sender

SENDERS: dict[str, Sender] = {
    "email": email.send,
    "slack": slack.send,
    "webhook": webhooks.send,
}
