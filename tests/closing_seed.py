"""Knowledge for the closing-the-loop tests: an insight backed by feedback, an action shipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from launchloop.knowledge.actions import create_action, move_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import Kpi
from tests.knowledge_fixtures import as_role


def backed_insight(database: Database, project_id: int, feedback_ids: list[int]) -> int:
    """A validated insight whose evidence is the feedback items given."""
    admin = as_role(project_id, "admin", "ada")
    with database.session() as session:
        insight = create_insight(session, admin, statement="Exporting to PDF is missing")
        session.flush()
        for feedback_id in feedback_ids:
            add_evidence(session, admin, insight.id, kind="feedback", feedback_id=str(feedback_id))
        validate_insight(session, admin, insight.id)
        return insight.id


def ship_action(database: Database, project_id: int, insight_id: int, title: str) -> int:
    """An action on ``insight_id`` moved all the way to done."""
    admin = as_role(project_id, "admin", "ada")
    with database.session() as session:
        action = create_action(
            session, admin, kind="improvement", title=title, insight_ids=[insight_id],
            observation="Users ask for it", hypothesis="Exports go up",
            impact_kpi_id=_kpi(session, admin),
            evaluation_date=(datetime.now(UTC) + timedelta(days=14)).date(),
        )  # fmt: skip
        session.flush()
        for status in ("planned", "in_progress", "evaluating", "done"):
            move_action(session, admin, action.id, status)
        return action.id


def _kpi(session: Session, admin: object) -> int:
    found = session.query(Kpi).filter_by(name="exports").one_or_none()
    if found is not None:
        return found.id
    kpi = create_kpi(session, admin, {"name": "exports", "kind": "count", "events": ["exported"]})  # type: ignore[arg-type]
    session.flush()
    return kpi.id
