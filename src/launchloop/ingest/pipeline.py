"""From canonical events to a WriteBatch: validate each, extract its row and person changes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from launchloop.ingest.batch import WriteBatch
from launchloop.ingest.privacy import anonymize_event_ips
from launchloop.ingest.validate import Rejection, validate


@dataclass(slots=True)
class Prepared:
    """The events of one request that passed validation, and why the others did not."""

    batch: WriteBatch = field(default_factory=WriteBatch)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """How many events will be written."""
        return len(self.batch.rows)


def now_micros() -> int:
    """The current UTC time in epoch microseconds."""
    return time.time_ns() // 1000


def prepare(
    events: list[Any],
    *,
    project_id: int,
    max_event_bytes: int,
    received_at: int | None = None,
    anonymize_ips: bool = True,
) -> Prepared:
    """Validate canonical events; good ones become rows and person changes, bad ones rejections.

    :param anonymize_ips: zero the host part of ``$ip`` (and Segment's ``context.ip``) first.
    """
    received = received_at if received_at is not None else now_micros()
    prepared = Prepared()
    for index, raw in enumerate(events):
        if anonymize_ips:
            anonymize_event_ips(raw)
        checked = validate(raw, index=index, now=received, max_event_bytes=max_event_bytes)
        if isinstance(checked, Rejection):
            prepared.rejections.append(checked)
            continue
        prepared.batch.person_changes.extend(checked.person_changes(project_id))
        prepared.batch.rows.append(checked.row(project_id, received))
    return prepared
