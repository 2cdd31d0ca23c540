"""Freshness: insights past their review date go stale; re-validation re-runs their queries.

Re-validation re-runs each saved query of the evidence through a callable (by default
:func:`saved_query_runner`: ``analytics/saved.py`` over the event store), keeps the figure
captured at the time next to the new one ("37% -> 22%"), then validates the insight again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.analytics.saved import run_saved_query
from launchloop.knowledge.database import Database
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.insights import check_transition, get_insight, validate_insight
from launchloop.knowledge.models import Insight, utcnow
from launchloop.knowledge.project_time import project_day
from launchloop.knowledge.roles import Caller, require_writer
from launchloop.store.base import EventStore

#: Runs a saved query (its JSON) and returns its figure now (None: not measurable).
QueryRunner = Callable[[dict[str, Any]], float | None]


@dataclass(frozen=True)
class FigureChange:
    """A saved query's figure at capture time and now."""

    evidence_id: int
    label: str
    captured: float | None
    now: float | None

    @property
    def shown(self) -> str:
        """``"37% -> 22%"`` for shares (figures between 0 and 1), ``"120 -> 95"`` otherwise."""
        return f"{format_figure(self.captured)} -> {format_figure(self.now)}"


@dataclass(frozen=True)
class Revalidation:
    """The insight re-validated and how each of its figures moved since capture."""

    insight: Insight
    changes: tuple[FigureChange, ...]


def format_figure(value: float | None) -> str:
    """A figure as shown to people: shares as percentages, other numbers as they are."""
    if value is None:
        return "?"
    if 0 <= value <= 1 and not float(value).is_integer():
        return f"{value * 100:.0f}%"
    return f"{value:g}"


def mark_stale(session: Session, caller: Caller, *, today: date | None = None) -> list[int]:
    """Turn the validated insights whose review date has passed into stale ones; their ids."""
    require_writer(caller, "marking insights stale")
    day = today or utcnow().date()
    overdue = session.scalars(
        select(Insight)
        .where(
            Insight.project_id == caller.project_id,
            Insight.status == "validated",
            Insight.review_by < day,
        )
        .order_by(Insight.id)
    )
    ids = []
    for insight in overdue:
        changes = apply_changes(insight, {"status": "stale"})
        record_change(
            session,
            caller,
            insight,
            "stale",
            changes | {"review_by": [str(insight.review_by), None]},
        )
        ids.append(insight.id)
    return ids


def rerun_queries(
    session: Session, caller: Caller, insight_id: int, run_query: QueryRunner
) -> tuple[FigureChange, ...]:
    """Re-run the saved queries of an insight's evidence; store and return the new figures."""
    require_writer(caller, "re-running an insight's queries")
    insight = get_insight(session, caller.project_id, insight_id)
    changes = []
    for piece in insight.evidence:
        if piece.kind != "query" or not piece.query:
            continue
        ran = run_query(piece.query)
        figure = None if ran is None else float(ran)
        piece.last_figure, piece.last_run_at = figure, utcnow()
        changes.append(FigureChange(piece.id, piece.figure_label, piece.figure, figure))
    session.flush()
    return tuple(changes)


def revalidate(
    session: Session,
    caller: Caller,
    insight_id: int,
    run_query: QueryRunner,
    *,
    review_by: date | None = None,
) -> Revalidation:
    """Re-run a stale insight's queries and validate it again, showing what changed."""
    insight = get_insight(session, caller.project_id, insight_id)
    check_transition(insight.status, "validated")
    changes = rerun_queries(session, caller, insight_id, run_query)
    validated = validate_insight(session, caller, insight_id, review_by=review_by)
    moved = {str(c.evidence_id): c.shown for c in changes}
    record_change(session, caller, validated, "figures_rerun", {"figures": [None, moved]})
    return Revalidation(validated, changes)


def saved_query_runner(
    store: EventStore, project_id: int, *, today: date, time_zone: str
) -> QueryRunner:
    """The runner of a project's saved queries over ``store`` (days end on ``today``)."""

    def run(spec: dict[str, Any]) -> float | None:
        figure = run_saved_query(store, project_id, spec, today=today, time_zone=time_zone)
        return figure.value

    return run


def project_runner(database: Database, store: EventStore, project_id: int) -> QueryRunner:
    """The runner of a project's saved queries, over days that end today in its time zone."""
    today, time_zone = project_day(database, project_id)
    return saved_query_runner(store, project_id, today=today, time_zone=time_zone)


def check_figures(
    session: Session,
    caller: Caller,
    insight_id: int,
    run_query: QueryRunner,
    *,
    review_by: date | None = None,
) -> Revalidation:
    """Re-run an insight's saved queries; a stale one is validated again, others keep status."""
    insight = get_insight(session, caller.project_id, insight_id)
    if insight.status == "stale":
        return revalidate(session, caller, insight_id, run_query, review_by=review_by)
    changes = rerun_queries(session, caller, insight_id, run_query)
    moved = {str(c.evidence_id): c.shown for c in changes}
    record_change(session, caller, insight, "figures_rerun", {"figures": [None, moved]})
    return Revalidation(insight, changes)
