"""Slack-compatible incoming webhooks (issue 9): a notice as a message with blocks and links."""

from __future__ import annotations

import json
from typing import Any

from launchloop.knowledge.models import NotificationPreference
from launchloop.loop.notify import Notice, Outbox, Sent
from launchloop.loop.webhooks import post_with_retries

#: Slack refuses messages of more than 50 blocks: a header, a divider, then this many items.
MAX_ITEMS = 45
LABELS = {
    "signal": "Signal",
    "draft_insight": "Draft insight",
    "insight": "Validated insight",
    "action": "Action",
    "evaluation_due": "Evaluation due",
}


def escaped(text: str) -> str:
    """``text`` safe inside Slack mrkdwn (``&``, ``<`` and ``>`` are control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(notice: Notice) -> dict[str, Any]:
    """The incoming-webhook JSON: a fallback ``text`` and ``blocks`` with one link per item."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notice.title[:150]}},
        {"type": "divider"},
    ]
    for line in notice.lines[:MAX_ITEMS]:
        reasons = escaped(", ".join(line.reasons))
        text = f"*{LABELS[line.kind]}*: <{line.url}|{escaped(line.title[:200])}>\n_{reasons}_"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if len(notice.lines) > MAX_ITEMS:
        more = f"… and {len(notice.lines) - MAX_ITEMS} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": notice.title, "blocks": blocks}


def send(notice: Notice, preference: NotificationPreference, outbox: Outbox) -> Sent:
    """Post the notice to the member's Slack-compatible incoming webhook."""
    body = json.dumps(payload(notice)).encode()
    return post_with_retries(
        preference.address, body, lambda: {"content-type": "application/json"}, outbox
    )
