"""Actions: the backlog born of validated insights, and the rule of the loop.

An action stands on at least one validated insight (stale or retired ones cannot back it), and
it cannot leave "proposed" without an observation, a hypothesis, an impact KPI and an
evaluation date; the error names what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.insights import get_insight
from launchloop.knowledge.lookup import choice, one, referenced, required_text
from launchloop.knowledge.models import Action, Experiment, Insight, Kpi, Team, utcnow
from launchloop.knowledge.priority import Priority, rice
from launchloop.knowledge.roles import Caller, require_decision, require_writer

KINDS: tuple[str, ...] = ("experiment", "improvement", "fix")
STATUSES: tuple[str, ...] = ("proposed", "planned", "in_progress", "evaluating", "done", "dropped")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("planned", "dropped"),
    "planned": ("in_progress", "dropped"),
    "in_progress": ("evaluating", "dropped"),
    "evaluating": ("done", "in_progress", "dropped"),
    "done": (),
    "dropped": (),
}
#: Fields an action may change (status moves through :func:`move_action`).
EDITABLE: tuple[str, ...] = (
    "title",
    "observation",
    "hypothesis",
    "impact_kpi_id",
    "baseline",
    "expected_change",
    "evaluation_date",
    "effort",
    "owner_team_id",
)


def create_action(
    session: Session,
    caller: Caller,
    *,
    kind: str,
    title: str,
    insight_ids: Sequence[int],
    observation: str = "",
    hypothesis: str = "",
    impact_kpi_id: int | None = None,
    baseline: float | None = None,
    expected_change: float | None = None,
    evaluation_date: date | None = None,
    effort: float | None = None,
    owner_team_id: int | None = None,
) -> Action:
    """Propose an action standing on validated insights."""
    require_writer(caller, "proposing an action")
    choice(kind, KINDS, "kind")
    action = Action(
        project_id=caller.project_id,
        author=caller.author,
        kind=kind,
        title=required_text(title, "title"),
        status="proposed",
        insights=backing_insights(session, caller.project_id, insight_ids),
    )
    session.add(action)
    _edit(
        session,
        caller.project_id,
        action,
        {
            "observation": observation,
            "hypothesis": hypothesis,
            "impact_kpi_id": impact_kpi_id,
            "baseline": baseline,
            "expected_change": expected_change,
            "evaluation_date": evaluation_date,
            "effort": effort,
            "owner_team_id": owner_team_id,
        },
    )
    record_change(session, caller, action, "created", {"status": [None, "proposed"]})
    return action


def backing_insights(
    session: Session, project_id: int, insight_ids: Sequence[int]
) -> list[Insight]:
    """The insights an action may stand on: known, none stale or retired, one validated."""
    if not insight_ids:
        raise InvalidInput("insight_ids", "an action stands on at least one validated insight")
    insights = []
    for insight_id in dict.fromkeys(insight_ids):
        try:
            insights.append(get_insight(session, project_id, insight_id))
        except NotFound as missing:
            raise InvalidInput("insight_ids", str(missing)) from None
    unfit = [f"{i.id} is {i.status}" for i in insights if i.status in ("stale", "retired")]
    if unfit:
        raise InvalidInput(
            "insight_ids", f"insight {', '.join(unfit)}: re-validate it before it backs an action"
        )
    if not any(i.status == "validated" for i in insights):
        raise InvalidInput("insight_ids", "none of these insights is validated")
    return insights


def update_action(session: Session, caller: Caller, action_id: int, **updates: object) -> Action:
    """Edit an action's fields (see :data:`EDITABLE`); finished actions cannot change."""
    require_writer(caller, "editing an action")
    action = get_action(session, caller.project_id, action_id)
    if action.status in ("done", "dropped"):
        raise InvalidInput("status", f"a {action.status} action cannot be edited")
    unknown = set(updates) - set(EDITABLE) - {"insight_ids"}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "cannot be changed here")
    changes: dict[str, list[object]] = {}
    if "insight_ids" in updates:
        before = action.insight_ids
        action.insights = backing_insights(session, caller.project_id, updates.pop("insight_ids"))  # type: ignore[arg-type]
        changes["insight_ids"] = [before, action.insight_ids]
    changes |= _edit(session, caller.project_id, action, updates)
    record_change(session, caller, action, "updated", changes)
    return action


def missing_for_leaving_proposed(action: Action) -> list[str]:
    """What the rule of the loop still needs before the action may leave "proposed"."""
    needs = {
        "observation": bool(action.observation.strip()),
        "hypothesis": bool(action.hypothesis.strip()),
        "impact KPI": action.impact_kpi_id is not None,
        "evaluation date": action.evaluation_date is not None,
        "a validated insight": any(i.status == "validated" for i in action.insights),
    }
    return [name for name, present in needs.items() if not present]


def move_action(session: Session, caller: Caller, action_id: int, status: str) -> Action:
    """Move an action along its statuses; accepting (proposed -> planned) is a decision."""
    choice(status, STATUSES, "status")
    require_writer(caller, "moving an action")
    action = get_action(session, caller.project_id, action_id)
    allowed = TRANSITIONS[action.status]
    if status not in allowed:
        moves = ", ".join(allowed) or "nothing (final)"
        raise InvalidInput(
            "status", f"an action cannot go from {action.status} to {status}; it can go to {moves}"
        )
    if action.status == "proposed" and status != "dropped":
        require_decision(session, caller, "accept_action")
        missing = missing_for_leaving_proposed(action)
        if missing:
            raise InvalidInput("status", f"cannot leave proposed: missing {', '.join(missing)}")
        action.accepted_by, action.accepted_at = caller.author, utcnow()
    changes = apply_changes(action, {"status": status})
    record_change(session, caller, action, status, changes)
    return action


def prioritize_action(session: Session, caller: Caller, action_id: int, *, reach: int) -> Priority:
    """Compute and store an action's RICE priority from its measured ``reach``.

    Confidence is the best of its validated insights' confidence, raised to 1.0 by an
    experiment of the action decided "ship".
    """
    require_writer(caller, "prioritizing an action")
    action = get_action(session, caller.project_id, action_id)
    confidence, basis = action_confidence(session, action)
    priority = rice(
        reach=reach,
        baseline=action.baseline,
        expected_change=action.expected_change,
        confidence=confidence,
        effort=action.effort,
        confidence_basis=basis,
    )
    changes = apply_changes(
        action, {"priority": priority.as_dict(), "priority_score": priority.score}
    )
    record_change(
        session, caller, action, "prioritized", {"priority_score": changes.get("priority_score")}
    )
    return priority


def action_confidence(session: Session, action: Action) -> tuple[float, str]:
    """The confidence behind an action and where it comes from."""
    won = session.scalar(
        select(Experiment.id).where(
            Experiment.action_id == action.id, Experiment.decision == "ship"
        )
    )
    if won is not None:
        return 1.0, f"experiment {won} decided ship"
    validated = [i for i in action.insights if i.status == "validated"]
    if not validated:
        return 0.0, "no validated insight"
    best = max(validated, key=lambda i: (i.confidence, -i.id))
    return best.confidence, f"insight {best.id} evidence"


def get_action(session: Session, project_id: int, action_id: int) -> Action:
    """One action of the project (404 otherwise)."""
    return one(session, Action, project_id, action_id)


def list_actions(
    session: Session,
    project_id: int,
    *,
    status: str | None = None,
    kind: str | None = None,
    owner_team_id: int | None = None,
    limit: int = 100,
) -> list[Action]:
    """The project's actions, highest priority first (unscored last), then newest."""
    query = select(Action).where(Action.project_id == project_id)
    if status is not None:
        query = query.where(Action.status == choice(status, STATUSES, "status"))
    if kind is not None:
        query = query.where(Action.kind == choice(kind, KINDS, "kind"))
    if owner_team_id is not None:
        query = query.where(Action.owner_team_id == owner_team_id)
    order = (Action.priority_score.desc().nulls_last(), Action.id.desc())
    return list(session.scalars(query.order_by(*order).limit(limit)))


def _edit(
    session: Session, project_id: int, action: Action, updates: dict[str, object]
) -> dict[str, list[object]]:
    referenced(session, Kpi, project_id, updates.get("impact_kpi_id"), "impact_kpi_id")  # type: ignore[arg-type]
    referenced(session, Team, project_id, updates.get("owner_team_id"), "owner_team_id")  # type: ignore[arg-type]
    effort = updates.get("effort")
    if effort is not None and float(effort) <= 0:  # type: ignore[arg-type]
        raise InvalidInput("effort", "must be above 0 (person-weeks)")
    if "title" in updates:
        updates["title"] = required_text(updates["title"], "title")  # type: ignore[arg-type]
    for field in ("observation", "hypothesis"):
        if field in updates and updates[field] is None:
            updates[field] = ""
    return apply_changes(action, updates)
