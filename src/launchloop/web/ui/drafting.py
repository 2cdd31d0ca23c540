"""Glue: turn a signal into a draft insight that cites it as evidence.

Belongs in ``knowledge/insights.py`` (issue 4); kept here until the knowledge base offers it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight
from launchloop.knowledge.lookup import one
from launchloop.knowledge.models import Insight, Signal
from launchloop.knowledge.roles import Caller


def draft_insight_from_signal(session: Session, caller: Caller, signal_id: int) -> Insight:
    """A draft insight stating the signal's text, with the signal as its first evidence."""
    signal = one(session, Signal, caller.project_id, signal_id)
    insight = create_insight(
        session,
        caller,
        statement=signal.text,
        launch_id=signal.launch_id,
        team_ids=[signal.team_id] if signal.team_id is not None else [],
    )
    session.flush()
    add_evidence(session, caller, insight.id, kind="signal", signal_id=signal.id)
    return insight
