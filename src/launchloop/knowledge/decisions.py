"""Deciding an experiment capitalizes it: the decision and its learning in one transaction.

The learning's measured impact is the lift of the chosen treatment on the primary metric in the
latest analysis snapshot, with its interval; its expected change is the action's, on the same
scale (relative when the analysis was relative: the action's change over its baseline, or over
the control mean measured when the action has no baseline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.experiments import decide_experiment, get_experiment
from launchloop.knowledge.learnings import create_learning
from launchloop.knowledge.models import Action, Experiment, Learning
from launchloop.knowledge.roles import Caller


@dataclass(frozen=True)
class MeasuredImpact:
    """The chosen treatment's effect against control in one analysis snapshot."""

    variant: str
    control: str
    scale: str
    effect: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    chance_to_win: float | None
    control_mean: float | None
    analysis_id: int
    error: str | None = None
    #: What a reader must know beside the lift: SRM flagged, guardrails moved the wrong way.
    warnings: tuple[str, ...] = ()


def decide_with_learning(
    session: Session,
    caller: Caller,
    experiment_id: int,
    *,
    decision: str,
    reason: str,
    variant: str | None = None,
    title: str | None = None,
    generalize: bool = False,
) -> tuple[Experiment, Learning]:
    """Decide the experiment and record its learning (measured vs expected) in one go.

    :param variant: the treatment whose impact is recorded; default the one most likely to win.
    """
    experiment = get_experiment(session, caller.project_id, experiment_id)
    impact = latest_impact(experiment, variant)
    decided = decide_experiment(session, caller, experiment_id, decision=decision, reason=reason)
    action = get_action(session, caller.project_id, decided.action_id)
    expected = expected_on_scale(action, impact)
    learning = create_learning(
        session,
        caller,
        title=title or f"{decided.name}: {decision}",
        tried=_tried(decided, action),
        decision=decision,
        experiment_id=decided.id,
        context=impact_text(impact, expected) + f"\nReason: {reason.strip()}",
        expected_change=expected,
        measured_change=impact.effect if impact else None,
        generalize=generalize,
    )
    session.flush()
    return decided, learning


def latest_impact(experiment: Experiment, variant: str | None) -> MeasuredImpact | None:
    """The chosen treatment's impact in the newest analysis (None when never analysed)."""
    names = [str(v.get("name")) for v in experiment.variants]
    if variant is not None and variant not in names[1:]:
        raise InvalidInput("variant", f"must be one of the treatments: {', '.join(names[1:])}")
    if not experiment.analyses:
        return None
    analysis = experiment.analyses[-1]
    snapshot = analysis.snapshot or {}
    rows = [r for r in snapshot.get("variants") or [] if isinstance(r, dict)]
    if len(rows) < 2:
        return None
    chosen = _chosen(rows[1:], variant)
    found = chosen.get("frequentist") or {}
    belief = chosen.get("bayesian") or {}
    error = found.get("error") or snapshot.get("error")
    ci = found.get("ci")
    return MeasuredImpact(
        variant=str(chosen.get("name")),
        control=str(rows[0].get("name")),
        scale=str((snapshot.get("settings") or {}).get("difference", "relative")),
        effect=None if error else found.get("effect"),
        ci=None if error or not ci else (ci[0], ci[1]),
        p_value=None if error else _p_value(chosen, found),
        chance_to_win=None if error else belief.get("chance_to_win"),
        control_mean=rows[0].get("mean"),
        analysis_id=analysis.id,
        error=error,
        warnings=_warnings(snapshot),
    )


def _warnings(snapshot: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    if (snapshot.get("srm") or {}).get("flagged"):
        found.append("sample ratio mismatch flagged")
    harmed = snapshot.get("guardrails_harmed") or []
    if harmed:
        found.append(f"guardrails moved the wrong way: {', '.join(map(str, harmed))}")
    return tuple(found)


def _p_value(row: dict[str, Any], found: dict[str, Any]) -> float | None:
    adjusted = row.get("adjusted_p_value")
    return adjusted if adjusted is not None else found.get("p_value")


def _chosen(treatments: list[dict[str, Any]], variant: str | None) -> dict[str, Any]:
    if variant is not None:
        for row in treatments:
            if row.get("name") == variant:
                return row
    return max(treatments, key=lambda r: (r.get("bayesian") or {}).get("chance_to_win") or 0)


def expected_on_scale(action: Action, impact: MeasuredImpact | None) -> float | None:
    """The action's expected change on the scale of the measured one (relative by default)."""
    if action.expected_change is None:
        return None
    if impact is not None and impact.scale == "absolute":
        return action.expected_change
    base = action.baseline or (impact.control_mean if impact else None)
    return action.expected_change / base if base else None


def impact_text(impact: MeasuredImpact | None, expected: float | None) -> str:
    """One sentence: measured lift and interval against the expected change."""
    hoped = "no expected change stated" if expected is None else f"expected {_share(expected)}"
    if impact is None:
        return f"Not analysed before the decision; {hoped}."
    if impact.effect is None:
        return f"Analysis #{impact.analysis_id}: {impact.error}; {hoped}."
    low, high = impact.ci or (None, None)
    relative = impact.scale == "relative"
    shown = _share if relative else _plain
    parts = [
        f"Analysis #{impact.analysis_id}: {impact.variant} vs {impact.control}",
        f"lift {shown(impact.effect)} (interval {shown(low)} to {shown(high)})",
    ]
    if impact.p_value is not None:
        parts.append(f"p = {impact.p_value:.3g}")
    if impact.chance_to_win is not None:
        parts.append(f"chance to win {impact.chance_to_win:.0%}")
    expected_text = hoped if relative or expected is None else f"expected {_plain(expected)}"
    warned = "".join(f" Warning: {w}." for w in impact.warnings)
    return ", ".join(parts) + f"; {expected_text}." + warned


def _share(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:+.1%}"


def _plain(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:+.4g}"


def _tried(experiment: Experiment, action: Action) -> str:
    names = ", ".join(str(v.get("name")) for v in experiment.variants)
    tried = f"Experiment {experiment.name!r} ({names}) for action #{action.id} {action.title!r}"
    if action.hypothesis:
        tried += f": {action.hypothesis}"
    return tried
