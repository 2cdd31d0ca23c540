"""Episodes: one signal per lasting problem, however many runs see it.

A daily run over a sliding window sees the same lasting problem every day. Each detected signal
keeps its finding's identity (kind and key), the first day of the period it was found in (the
episode's onset) and the last day it was seen; a finding whose identity has an episode whose
days overlap or touch the period read is that episode again: nothing new is stored, and the
episode's last day moves on. The fingerprint is the identity and the onset (issue 8), so it
stays the same for as long as the problem lasts; a problem that went away and came back later
is a new episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.analytics.timeframe import DateRange
from launchloop.detect.findings import Finding
from launchloop.knowledge.models import Signal

SOURCE = "detector"


@dataclass
class Episodes:
    """The project's detected signals, by finding identity, and their fingerprints."""

    by_identity: dict[str, list[Signal]] = field(default_factory=dict)
    fingerprints: set[str] = field(default_factory=set)

    def ongoing(self, finding: Finding, span: DateRange) -> Signal | None:
        """The stored signal of ``finding`` whose days overlap or touch ``span``, if any."""
        for signal in self.by_identity.get(finding.identity, []):
            onset, seen_until = episode_days(signal)
            day = timedelta(days=1)
            if onset - day <= span.end and seen_until + day >= span.start:
                return signal
        return None

    def add(self, finding: Finding, signal: Signal) -> None:
        """Remember a newly stored signal (two findings of one run never duplicate)."""
        self.by_identity.setdefault(finding.identity, []).append(signal)
        self.fingerprints.add(str(signal.payload.get("fingerprint")))


def stored_episodes(session: Session, project_id: int) -> Episodes:
    """The project's detected signals that carry an identity and an onset."""
    query = select(Signal).where(Signal.project_id == project_id, Signal.source == SOURCE)
    episodes = Episodes()
    for signal in session.scalars(query):
        payload = signal.payload or {}
        if "fingerprint" in payload:
            episodes.fingerprints.add(str(payload["fingerprint"]))
        if "identity" in payload and "onset" in payload:
            episodes.by_identity.setdefault(str(payload["identity"]), []).append(signal)
    return episodes


def episode_days(signal: Signal) -> tuple[date, date]:
    """The first day of the episode's first period and the last day it was seen."""
    payload = signal.payload
    onset = date.fromisoformat(payload["onset"])
    return onset, date.fromisoformat(payload.get("seen_until", payload["onset"]))


def episode_payload(finding: Finding, span: DateRange) -> dict[str, str]:
    """What a new episode's signal keeps: identity, fingerprint, onset, last day seen."""
    return {
        "identity": finding.identity,
        "fingerprint": finding.fingerprint(span.start),
        "onset": span.start.isoformat(),
        "seen_until": span.end.isoformat(),
    }


def extend(signal: Signal, span: DateRange) -> None:
    """Record that the episode was seen again through ``span``'s last day."""
    _, seen_until = episode_days(signal)
    if span.end > seen_until:
        # A new dict: SQLAlchemy notices a reassigned JSON value, not one changed in place.
        signal.payload = {**signal.payload, "seen_until": span.end.isoformat()}
