"""Freshness: insights past their review date go stale; re-validation re-runs their queries.

Re-validation re-runs each saved query of the evidence through a callable given by the caller
(the analytics live elsewhere; this module runs none), keeps the figure captured at the time
next to the new one ("37% -> 22%"), then validates the insight again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.insights import check_transition, get_insight, validate_insight
from launchloop.knowledge.models import Insight, utcnow
from launchloop.knowledge.roles import Caller, require_writer

#: Runs a saved query (its JSON) and returns its figure now.
QueryRunner = Callable[[dict[str, Any]], float]


@dataclass(frozen=True)
class FigureChange:
    """A saved query's figure at capture time and now."""

    evidence_id: int
    label: str
    captured: float | None
    now: float

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
        figure = float(run_query(piece.query))
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
