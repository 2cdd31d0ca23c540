"""Deciding an experiment records its learning (measured vs expected) in the same transaction;
guardrails flag a wrong-way move; bad input gives a reason, never NaN or a crash."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from launchloop.errors import InvalidInput
from launchloop.experiments.analysis import AnalysisSettings, analyze
from launchloop.experiments.design import metric_of
from launchloop.experiments.guardrails import harmed_treatments
from launchloop.experiments.planning import MeasuredTraffic, plan_power
from launchloop.experiments.snapshots import window_of
from launchloop.experiments.totals import ExposureTotals, VariantTotals
from launchloop.knowledge.actions import create_action, move_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.decisions import decide_with_learning
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.experiments import add_analysis, create_experiment, get_experiment
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.learnings import list_learnings
from launchloop.knowledge.models import Experiment
from launchloop.stats.bayesian import bayesian_test
from launchloop.stats.frequentist import t_test
from launchloop.stats.power import sample_size
from launchloop.stats.statistics import Proportion, SampleMean
from tests.knowledge_fixtures import as_role, kdb, new_project

__all__ = ["kdb"]
CONVERSION = metric_of("conversion", "purchase")
#: (variant, persons, converted): "fast" wins clearly, "slow" barely moves.
ARMS = (("control", 400, 80), ("slow", 400, 84), ("fast", 400, 120))


def totals(arms: tuple[tuple[str, int, float], ...] = ARMS) -> ExposureTotals:
    """Conversion totals (a 0/1 value's square is itself)."""
    return ExposureTotals(tuple(VariantTotals(v, n, c, c) for v, n, c in arms), 0)


def _experiment(database: Database, project: int, *, baseline: float | None) -> int:
    admin = as_role(project, "admin")
    with database.session() as session:
        insight = create_insight(session, admin, statement="20% buy")
        add_evidence(session, admin, insight.id, kind="query", query={"event": "p"}, figure=0.2)
        validate_insight(session, admin, insight.id)
        kpi = create_kpi(session, admin, {"name": "buyers", "kind": "unique", "events": ["p"]})
        action = create_action(
            session,
            admin,
            kind="experiment",
            title="Faster checkout",
            insight_ids=[insight.id],
            observation="o",
            hypothesis="a faster checkout sells more",
            impact_kpi_id=kpi.id,
            evaluation_date=date(2027, 1, 1),
            baseline=baseline,
            expected_change=0.04,
        )
        move_action(session, admin, action.id, "planned")
        variants = [{"name": name, "weight": 1 / 3} for name, _, _ in ARMS]
        experiment = create_experiment(
            session, admin, action_id=action.id, name="speed", variants=variants, feature_flag="f"
        )
        experiment.status, experiment.started_at = "running", datetime(2026, 3, 1, tzinfo=UTC)
        session.flush()
        return experiment.id


def _store_analysis(database: Database, project: int, experiment_id: int) -> dict[str, object]:
    result = analyze(totals(), CONVERSION, [1.0, 1.0, 1.0], AnalysisSettings())
    snapshot = orjson.loads(orjson.dumps(result.snapshot()))  # as the JSON column returns it
    with database.session() as session:
        add_analysis(
            session, as_role(project, "admin"), experiment_id, method="m", snapshot=snapshot
        )
    return snapshot


def test_a_decision_records_the_measured_lift_against_the_expected_change(kdb: Database) -> None:
    project = new_project(kdb)
    experiment_id = _experiment(kdb, project, baseline=0.2)
    _store_analysis(kdb, project, experiment_id)
    control, fast = Proportion(400, 80), Proportion(400, 120)
    found, belief = t_test(control, fast), bayesian_test(control, fast)
    decider = as_role(project, "decider", "Dana")
    with kdb.session() as session:
        experiment, learning = decide_with_learning(
            session, decider, experiment_id, decision="ship", reason="fast wins"
        )
        assert (experiment.status, experiment.decision) == ("decided", "ship")
        # Default variant: the likeliest winner ("fast"), not the first treatment ("slow").
        assert learning.measured_change == pytest.approx(found.effect, rel=1e-12)
        assert learning.measured_change == pytest.approx(0.5)  # 30% / 20% - 1, by hand
        assert learning.expected_change == pytest.approx(0.04 / 0.2)
        assert learning.experiment_id == experiment_id and learning.decision == "ship"
        assert f"fast vs control, lift {found.effect:+.1%}" in learning.context
        assert f"interval {found.ci[0]:+.1%} to {found.ci[1]:+.1%}" in learning.context
        assert f"chance to win {belief.chance_to_win:.0%}" in learning.context
        assert "expected +20.0%" in learning.context and "fast wins" in learning.context
    with kdb.session() as session:
        assert [x.id for x in list_learnings(session, project)] == [learning.id]


def test_the_chosen_variant_and_the_measured_baseline(kdb: Database) -> None:
    project = new_project(kdb)
    experiment_id = _experiment(kdb, project, baseline=None)
    _store_analysis(kdb, project, experiment_id)
    decider = as_role(project, "decider")
    with kdb.session() as session, pytest.raises(InvalidInput, match="treatments: slow, fast"):
        decide_with_learning(
            session, decider, experiment_id, decision="stop", reason="r", variant="control"
        )
    with kdb.session() as session:
        _, learning = decide_with_learning(
            session, decider, experiment_id, decision="iterate", reason="small", variant="slow"
        )
        slow = t_test(Proportion(400, 80), Proportion(400, 84))
        assert learning.measured_change == pytest.approx(slow.effect)
        # No baseline on the action: the expected change is over the control mean measured.
        assert learning.expected_change == pytest.approx(0.04 / 0.2)


def test_decision_and_learning_are_one_transaction(kdb: Database) -> None:
    project = new_project(kdb)
    experiment_id = _experiment(kdb, project, baseline=0.2)
    decider = as_role(project, "decider")
    with pytest.raises(InvalidInput, match="title"), kdb.session() as session:
        # The decision passes, the learning is refused: the session rolls both back.
        decide_with_learning(
            session, decider, experiment_id, decision="ship", reason="r", title=" "
        )
    with kdb.session() as session:
        assert get_experiment(session, project, experiment_id).status == "running"
        assert list_learnings(session, project) == []
    with kdb.session() as session:
        _, learning = decide_with_learning(
            session, decider, experiment_id, decision="stop", reason="no time"
        )
        assert learning.measured_change is None
        assert learning.context.startswith("Not analysed before the decision; expected +20.0%")


def test_guardrail_flags_only_a_significant_move_the_wrong_way() -> None:
    metric = metric_of("count", "error")
    # Errors per person: control 1 in 10 persons has one; "worse" doubles them; "same" none more.
    arms = (("control", 500, 50.0, 50.0), ("worse", 500, 120.0, 150.0), ("same", 500, 52.0, 52.0))
    found = ExposureTotals(tuple(VariantTotals(*arm) for arm in arms), 0)
    result = analyze(found, metric, [1.0, 1.0, 1.0])
    worse = result.variants[1]
    hand = t_test(SampleMean(500, 50.0, 50.0), SampleMean(500, 120.0, 150.0))
    assert worse.frequentist is not None and worse.frequentist.effect == pytest.approx(hand.effect)
    assert harmed_treatments(result, "down") == ("worse",)  # fewer errors is better
    assert harmed_treatments(result, "up") == ()  # more of a good thing harms nothing


def _finite_everywhere(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite_everywhere(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite_everywhere(v) for v in value)
    return True


@pytest.mark.parametrize(
    ("arms", "reason"),
    [
        ((("control", 0, 0.0), ("fast", 0, 0.0)), "not enough data: no person was exposed"),
        ((("control", 50, 5.0), ("fast", 0, 0.0)), "not enough data: only one variant"),
        ((("control", -5, 1.0), ("fast", 50, 5.0)), "negative count"),
        ((("control", 50, 60.0), ("fast", 50, 5.0)), "between 0 and the units"),
    ],
)
def test_degenerate_totals_give_a_reason_and_no_nan(
    arms: tuple[tuple[str, int, float], ...], reason: str
) -> None:
    result = analyze(totals(arms), CONVERSION, [1.0, 1.0], AnalysisSettings(expected_change=0.1))
    assert result.error is not None and reason in result.error
    assert _finite_everywhere(result.snapshot())
    orjson.dumps(result.snapshot())  # JSON-ready


def test_zero_variance_and_a_single_variant_are_explained() -> None:
    every = analyze(totals((("control", 50, 50.0), ("fast", 50, 50.0))), CONVERSION, [1.0, 1.0])
    assert every.variants[1].frequentist is not None
    assert "zero variance" in str(every.variants[1].frequentist.error)
    assert every.variants[1].bayesian is not None and every.variants[1].bayesian.error
    alone = analyze(totals((("control", 50, 5.0),)), CONVERSION, [1.0])
    assert alone.srm.error == "need at least two variants, with one weight each"
    assert len(alone.variants) == 1 and _finite_everywhere(alone.snapshot())


def test_reversed_dates_are_refused() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    experiment = Experiment(started_at=start, ended_at=start - timedelta(days=1))
    with pytest.raises(InvalidInput, match="ends before it starts"):
        window_of(experiment)
    with pytest.raises(InvalidInput, match="has not started"):
        window_of(Experiment(started_at=None))


def test_power_plan_overrides_what_was_measured() -> None:
    measured = MeasuredTraffic(
        CONVERSION, 1000, 28.0, 0.2, None, 50.0, "persons active", expected_change=0.1
    )
    plan = plan_power(measured)
    assert plan.result == sample_size(0.2, 0.1, daily_traffic=50.0)
    assert plan_power(measured, daily_traffic=500.0).result.days == math.ceil(
        plan.result.total / 500
    )
    for given, field in (
        ({"baseline": -0.1}, "baseline"),
        ({"daily_traffic": -3.0}, "daily_traffic"),
        ({"mde": 0.0}, "mde"),
    ):
        with pytest.raises(InvalidInput) as refused:
            plan_power(measured, **given)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(InvalidInput, match="variance"):
        plan_power(baseline=3.0, mde=0.1, variance=0.0)
    with pytest.raises(InvalidInput, match="give a baseline"):
        plan_power(mde=0.1)
