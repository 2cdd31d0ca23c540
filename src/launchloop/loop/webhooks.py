"""Generic webhooks (issue 9): signed JSON notices, sent with retries and exponential backoff.

Each request carries two headers:

- ``X-Launchloop-Timestamp``: the Unix time of the attempt, in seconds;
- ``X-Launchloop-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed by the webhook's
  secret, of the timestamp, a dot, and the raw body (``f"{timestamp}.".encode() + body``).

A receiver recomputes it over the bytes it received and compares with
``hmac.compare_digest``; it may refuse timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from launchloop.knowledge.models import NotificationPreference
from launchloop.loop.notify import Notice, Outbox, Sent

SIGNATURE_HEADER = "X-Launchloop-Signature"
TIMESTAMP_HEADER = "X-Launchloop-Timestamp"
#: Answers worth another attempt: the receiver is busy or broken, not refusing the notice.
RETRIED_CODES = frozenset({408, 425, 429, 500, 502, 503, 504})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` at ``timestamp`` (receivers use it)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def send(notice: Notice, preference: NotificationPreference, outbox: Outbox) -> Sent:
    """Post the notice as signed JSON to the member's webhook."""
    body = json.dumps(notice.as_dict(), separators=(",", ":")).encode()
    secret = preference.secret or ""

    def headers() -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "content-type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(secret, stamp, body),
        }

    return post_with_retries(preference.address, body, headers, outbox)


def post_with_retries(
    url: str, body: bytes, headers: Callable[[], dict[str, str]], outbox: Outbox
) -> Sent:
    """POST ``body`` until a 2xx, a final refusal, or ``outbox.attempts`` tries.

    Waits ``backoff_s``, then twice that, four times... between attempts; headers are made
    afresh each time (a new timestamp, so a new signature).
    """
    code: int | None = None
    error = ""
    with httpx.Client(timeout=10.0) as client:
        for attempt in range(1, outbox.attempts + 1):
            if attempt > 1:
                time.sleep(outbox.backoff_s * 2 ** (attempt - 2))
            try:
                answer = client.post(url, content=body, headers=headers())
            except httpx.HTTPError as failed:
                code, error = None, f"{type(failed).__name__}: {failed}"
                continue
            code, error = answer.status_code, answer.text[:500]
            if answer.is_success:
                return Sent(True, attempt, code)
            if code not in RETRIED_CODES:
                return Sent(False, attempt, code, error)
    return Sent(False, outbox.attempts, code, error)
