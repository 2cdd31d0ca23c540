"""Guardrail KPIs: the same analysis on each guardrail, flagging a significant wrong-way move.

A guardrail is a KPI the experiment must not hurt (errors, support contacts, churn...). Its
metric comes from the KPI as the primary's does; the KPI's ``direction`` says which way is good
("up": higher is better). A treatment harms a guardrail when its effect goes the wrong way with
a p-value (corrected across treatments, as the primary) below the analysis's alpha.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.experiments.analysis import AnalysisSettings, ExperimentResult, analyze
from launchloop.experiments.design import Exposure, metric_from_kpi
from launchloop.experiments.totals import Window, read_totals
from launchloop.knowledge.models import Experiment, Kpi
from launchloop.store.base import EventStore


@dataclass(frozen=True)
class GuardrailResult:
    """One guardrail KPI: its analysis and the treatments that moved it the wrong way."""

    kpi_id: int
    name: str
    direction: str
    result: ExperimentResult | None
    harmed: tuple[str, ...] = ()
    error: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready: the KPI, the treatments harmed, the per-variant results or the error."""
        shown = self.result.snapshot() if self.result else {}
        return {
            "kpi_id": self.kpi_id,
            "name": self.name,
            "direction": self.direction,
            "harmed": list(self.harmed),
            "error": self.error or shown.get("error"),
            "metric": shown.get("metric"),
            "variants": shown.get("variants", []),
        }


def harmed_treatments(result: ExperimentResult, direction: str) -> tuple[str, ...]:
    """Treatments whose effect goes against ``direction`` with p below the analysis's alpha."""
    harmed: list[str] = []
    for variant in result.variants[1:]:
        found = variant.frequentist
        if found is None or found.error is not None:
            continue
        p = variant.adjusted_p_value if variant.adjusted_p_value is not None else found.p_value
        wrong = found.effect < 0 if direction != "down" else found.effect > 0
        if wrong and p < result.settings.alpha:
            harmed.append(variant.name)
    return tuple(harmed)


def check_guardrails(
    session: Session,
    store: EventStore,
    experiment: Experiment,
    *,
    exposure: Exposure,
    window: Window,
    settings: AnalysisSettings,
) -> list[GuardrailResult]:
    """Analyse every guardrail KPI of ``experiment`` over the same persons and dates."""
    names = [str(v["name"]) for v in experiment.variants]
    weights = [float(v.get("weight", 1.0)) for v in experiment.variants]
    # Power is about the primary metric; CUPED and the method otherwise stay the same.
    plain = replace(settings, expected_change=None)
    found: list[GuardrailResult] = []
    for kpi_id in experiment.guardrail_kpi_ids or []:
        kpi = session.get(Kpi, kpi_id)
        if kpi is None or kpi.project_id != experiment.project_id:
            found.append(GuardrailResult(kpi_id, "?", "up", None, error="the KPI is gone"))
            continue
        try:
            metric = metric_from_kpi(kpi.kind, kpi.definition or {})
        except InvalidInput as refused:
            found.append(GuardrailResult(kpi.id, kpi.name, kpi.direction, None, error=str(refused)))
            continue
        totals = read_totals(
            store,
            experiment.project_id,
            exposure=exposure,
            metric=metric,
            variants=names,
            window=window,
            cuped_days=plain.cuped_days,
        )
        result = analyze(totals, metric, weights, plain)
        harmed = harmed_treatments(result, kpi.direction)
        found.append(GuardrailResult(kpi.id, kpi.name, kpi.direction, result, harmed))
    return found
