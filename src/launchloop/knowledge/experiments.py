"""Experiments of an action: design, run, analysis snapshots, and the decision.

draft -> running -> stopped -> decided (ship, iterate, stop, with its reason); deciding is a
decision of the project's deciding role. The statistics live in ``stats/``; this module stores
their snapshots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.history import apply_changes, record_change
from launchloop.knowledge.lookup import choice, one, referenced, required_text
from launchloop.knowledge.models import Experiment, ExperimentAnalysis, Kpi, utcnow
from launchloop.knowledge.roles import Caller, require_decision, require_writer

STATUSES: tuple[str, ...] = ("draft", "running", "stopped", "decided")
DECISIONS: tuple[str, ...] = ("ship", "iterate", "stop")
#: The next status of each, by the verb that moves it.
MOVES: dict[str, tuple[str, str]] = {"start": ("draft", "running"), "stop": ("running", "stopped")}


def create_experiment(
    session: Session,
    caller: Caller,
    *,
    action_id: int,
    name: str,
    variants: list[dict[str, Any]],
    exposure_event: str | None = None,
    feature_flag: str | None = None,
    primary_kpi_id: int | None = None,
    guardrail_kpi_ids: list[int] | None = None,
) -> Experiment:
    """Design an experiment for an action (at least two variants, an exposure)."""
    require_writer(caller, "designing an experiment")
    action = get_action(session, caller.project_id, action_id)
    if action.status in ("done", "dropped"):
        raise InvalidInput("action_id", f"action {action.id} is {action.status}")
    _check_variants(variants)
    if not (exposure_event or feature_flag):
        raise InvalidInput("exposure_event", "an experiment needs an exposure event or a flag")
    referenced(session, Kpi, caller.project_id, primary_kpi_id, "primary_kpi_id")
    for kpi_id in guardrail_kpi_ids or []:
        referenced(session, Kpi, caller.project_id, kpi_id, "guardrail_kpi_ids")
    experiment = Experiment(
        project_id=caller.project_id,
        author=caller.author,
        action_id=action.id,
        name=required_text(name, "name"),
        variants=variants,
        exposure_event=exposure_event,
        feature_flag=feature_flag,
        primary_kpi_id=primary_kpi_id or action.impact_kpi_id,
        guardrail_kpi_ids=list(guardrail_kpi_ids or []),
        status="draft",
    )
    session.add(experiment)
    record_change(session, caller, experiment, "created", {"status": [None, "draft"]})
    return experiment


def move_experiment(
    session: Session, caller: Caller, experiment_id: int, verb: str, *, at: datetime | None = None
) -> Experiment:
    """``start`` a draft or ``stop`` a running experiment (recording the time)."""
    require_writer(caller, f"{verb}ing an experiment")
    choice(verb, tuple(MOVES), "verb")
    experiment = get_experiment(session, caller.project_id, experiment_id)
    source, target = MOVES[verb]
    if experiment.status != source:
        raise InvalidInput(
            "status", f"only a {source} experiment can {verb}; it is {experiment.status}"
        )
    stamp = "started_at" if verb == "start" else "ended_at"
    changes = apply_changes(experiment, {"status": target, stamp: at or utcnow()})
    record_change(session, caller, experiment, verb, changes)
    return experiment


def decide_experiment(
    session: Session, caller: Caller, experiment_id: int, *, decision: str, reason: str
) -> Experiment:
    """Decide a running or stopped experiment: ship, iterate or stop, with the reason."""
    require_decision(session, caller, "decide_experiment")
    choice(decision, DECISIONS, "decision")
    experiment = get_experiment(session, caller.project_id, experiment_id)
    if experiment.status not in ("running", "stopped"):
        raise InvalidInput("status", f"a {experiment.status} experiment cannot be decided")
    updates: dict[str, object] = {
        "status": "decided",
        "decision": decision,
        "decision_reason": required_text(reason, "reason"),
        "decided_by": caller.author,
    }
    if experiment.ended_at is None:
        updates["ended_at"] = utcnow()
    changes = apply_changes(experiment, updates)
    experiment.decided_at = utcnow()
    record_change(session, caller, experiment, "decided", changes)
    return experiment


def add_analysis(
    session: Session, caller: Caller, experiment_id: int, *, method: str, snapshot: dict[str, Any]
) -> ExperimentAnalysis:
    """Store a snapshot of an analysis (its method and its numbers as computed)."""
    require_writer(caller, "storing an analysis")
    experiment = get_experiment(session, caller.project_id, experiment_id)
    analysis = ExperimentAnalysis(
        method=required_text(method, "method"), author=caller.author, snapshot=snapshot
    )
    experiment.analyses.append(analysis)
    session.flush()
    record_change(session, caller, experiment, "analysed", {"analysis": [None, analysis.id]})
    return analysis


def get_experiment(session: Session, project_id: int, experiment_id: int) -> Experiment:
    """One experiment of the project (404 otherwise)."""
    return one(session, Experiment, project_id, experiment_id)


def list_experiments(
    session: Session, project_id: int, *, action_id: int | None = None, status: str | None = None
) -> list[Experiment]:
    """The project's experiments, newest first."""
    query = select(Experiment).where(Experiment.project_id == project_id)
    if action_id is not None:
        query = query.where(Experiment.action_id == action_id)
    if status is not None:
        query = query.where(Experiment.status == choice(status, STATUSES, "status"))
    return list(session.scalars(query.order_by(Experiment.id.desc())))


def _check_variants(variants: list[dict[str, Any]]) -> None:
    names = [v.get("name") for v in variants]
    if len(variants) < 2:
        raise InvalidInput("variants", "an experiment needs at least two variants")
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        raise InvalidInput("variants", "each variant needs a distinct non-empty name")
