"""Learnings: what an evaluated action or a decided experiment taught, kept as evidence."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.experiments import get_experiment
from launchloop.knowledge.history import record_change
from launchloop.knowledge.lookup import choice, one, required_text
from launchloop.knowledge.models import Learning
from launchloop.knowledge.roles import Caller, require_writer

DECISIONS: tuple[str, ...] = ("ship", "iterate", "stop")


def create_learning(
    session: Session,
    caller: Caller,
    *,
    title: str,
    tried: str,
    decision: str,
    action_id: int | None = None,
    experiment_id: int | None = None,
    context: str = "",
    expected_change: float | None = None,
    measured_change: float | None = None,
    generalize: bool = False,
) -> Learning:
    """Capitalize the outcome of an evaluated action or a decided experiment."""
    require_writer(caller, "writing a learning")
    choice(decision, DECISIONS, "decision")
    if action_id is None and experiment_id is None:
        raise InvalidInput("action_id", "a learning comes from an action or an experiment")
    if experiment_id is not None:
        experiment = get_experiment(session, caller.project_id, experiment_id)
        if experiment.status != "decided":
            raise InvalidInput("experiment_id", f"experiment {experiment_id} is not decided yet")
        action_id = action_id or experiment.action_id
    if action_id is not None:
        action = get_action(session, caller.project_id, action_id)
        if experiment_id is None and action.status not in ("evaluating", "done"):
            raise InvalidInput("action_id", f"action {action_id} is {action.status}, not evaluated")
        expected_change = action.expected_change if expected_change is None else expected_change
    learning = Learning(
        project_id=caller.project_id,
        author=caller.author,
        title=required_text(title, "title"),
        tried=required_text(tried, "tried"),
        context=context,
        decision=decision,
        action_id=action_id,
        experiment_id=experiment_id,
        expected_change=expected_change,
        measured_change=measured_change,
        generalize=generalize,
    )
    session.add(learning)
    record_change(session, caller, learning, "created")
    return learning


def get_learning(session: Session, project_id: int, learning_id: int) -> Learning:
    """One learning of the project (404 otherwise)."""
    return one(session, Learning, project_id, learning_id)


def list_learnings(
    session: Session, project_id: int, *, generalize: bool | None = None
) -> list[Learning]:
    """The project's learnings, newest first (only those to generalize when asked)."""
    query = select(Learning).where(Learning.project_id == project_id)
    if generalize is not None:
        query = query.where(Learning.generalize.is_(generalize))
    return list(session.scalars(query.order_by(Learning.id.desc())))
