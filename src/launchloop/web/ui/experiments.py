"""Experiments: the list, and a page with results per variant, run analysis, and the decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from launchloop.errors import Forbidden, InvalidInput
from launchloop.experiments.snapshots import analyze_experiment
from launchloop.knowledge.actions import get_action
from launchloop.knowledge.decisions import decide_with_learning
from launchloop.knowledge.experiments import DECISIONS, get_experiment, list_experiments
from launchloop.knowledge.models import Kpi, Learning
from launchloop.web.ui.experiment_view import (
    best_chance,
    lift_chart,
    power_status,
    variant_rows,
)
from launchloop.web.ui.i18n import translator
from launchloop.web.ui.rendering import flash, page_language, render
from launchloop.web.ui.session import InProject, csrf_protected, database_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/app/{project_id}/experiments", response_class=HTMLResponse)
def experiments_page(request: Request, access: InProject) -> HTMLResponse:
    """Every experiment, newest first, with its status and the latest chance to win."""
    with database_of(request).session() as session:
        rows = [
            (e, best_chance(e.analyses[-1].snapshot or {}) if e.analyses else None)
            for e in list_experiments(session, access.project.id)
        ]
        return render(request, "experiments.html", {"rows": rows})


@router.get("/app/{project_id}/experiments/{experiment_id}", response_class=HTMLResponse)
def experiment_page(
    request: Request,
    access: InProject,
    experiment_id: int,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """Results per variant, lift chart, SRM, power, guardrails, and the decision form."""
    t = translator(page_language(request))
    with database_of(request).session() as session:
        experiment = get_experiment(session, access.project.id, experiment_id)
        latest = experiment.analyses[-1] if experiment.analyses else None
        snapshot: dict[str, Any] = (latest.snapshot or {}) if latest else {}
        context = {
            "experiment": experiment,
            "action": get_action(session, access.project.id, experiment.action_id),
            "kpi": session.get(Kpi, experiment.primary_kpi_id)
            if experiment.primary_kpi_id
            else None,
            "analysis": latest,
            "snapshot": snapshot,
            "rows": variant_rows(snapshot),
            "chart": lift_chart(snapshot, t("lift")),
            "power": power_status(snapshot),
            "learnings": _learnings(session, access.project.id, experiment_id),
            "decisions": DECISIONS,
            "treatments": [str(v.get("name")) for v in experiment.variants[1:]],
            "error": error,
            "values": values or {},
        }
        return render(request, "experiment.html", context, status=422 if error else 200)


def _learnings(session: Any, project_id: int, experiment_id: int) -> list[Learning]:
    query = select(Learning).where(
        Learning.project_id == project_id, Learning.experiment_id == experiment_id
    )
    return list(session.scalars(query.order_by(Learning.id)))


@router.post("/app/{project_id}/experiments/{experiment_id}/analyze", response_model=None)
def run_analysis(
    request: Request, access: InProject, experiment_id: int
) -> HTMLResponse | RedirectResponse:
    """Analyse the experiment from the events now (the primary KPI's metric, default method)."""
    store = request.app.state.runtime.store
    try:
        with database_of(request).session() as session:
            analysis, _ = analyze_experiment(session, access.caller, store, experiment_id)
            number = analysis.id
    except (InvalidInput, Forbidden) as refused:
        return _refused(experiment_page(request, access, experiment_id, str(refused)), refused)
    flash(request, f"✓ {translator(page_language(request))('analysed', number=number)}")
    return RedirectResponse(_url(access, experiment_id), status_code=303)


class DecisionForm(BaseModel):
    """The decision form as posted."""

    decision: str = ""
    reason: str = Field("", max_length=10_000)
    variant: str = ""
    generalize: str = ""
    csrf_token: str = ""


@router.post("/app/{project_id}/experiments/{experiment_id}/decision", response_model=None)
def decide(
    request: Request,
    access: InProject,
    experiment_id: int,
    form: Annotated[DecisionForm, Form()],
) -> HTMLResponse | RedirectResponse:
    """Decide and record the learning; a refused form comes back with the reason."""
    values = {"decision": form.decision, "reason": form.reason, "variant": form.variant}
    try:
        with database_of(request).session() as session:
            _, learning = decide_with_learning(
                session,
                access.caller,
                experiment_id,
                decision=form.decision,
                reason=form.reason,
                variant=form.variant or None,
                generalize=bool(form.generalize),
            )
            number = learning.id
    except (InvalidInput, Forbidden) as refused:
        page = experiment_page(request, access, experiment_id, str(refused), values)
        return _refused(page, refused)
    flash(request, f"✓ {translator(page_language(request))('learning_recorded', number=number)}")
    return RedirectResponse(_url(access, experiment_id), status_code=303)


def _refused(page: HTMLResponse, refused: Exception) -> HTMLResponse:
    """The page with the reason, as 403 for a role that may not, else 422."""
    page.status_code = 403 if isinstance(refused, Forbidden) else 422
    return page


def _url(access: Any, experiment_id: int) -> str:
    return f"/app/{access.project.id}/experiments/{experiment_id}"
