"""Knowledge base API: experiments (design, run, analyses, decision) and learnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from launchloop.experiments.analysis import AnalysisSettings
from launchloop.experiments.design import metric_of
from launchloop.experiments.planning import (
    measure_for_action,
    measure_for_experiment,
    plan_power,
)
from launchloop.experiments.snapshots import analyze_experiment, latest_analysis
from launchloop.knowledge.decisions import decide_with_learning
from launchloop.knowledge.experiments import (
    add_analysis,
    create_experiment,
    get_experiment,
    list_experiments,
    move_experiment,
)
from launchloop.knowledge.learnings import create_learning, get_learning, list_learnings
from launchloop.web.api.knowledge import CallerDep, Public, Record, transaction

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

Decision = Literal["ship", "iterate", "stop"]
Status = Literal["draft", "running", "stopped", "decided"]


class Variant(BaseModel):
    """One variant and its share of the exposure."""

    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(0.5, ge=0, le=1)


class ExperimentCreate(BaseModel):
    """An experiment of an action."""

    action_id: int
    name: str = Field(min_length=1, max_length=200)
    variants: list[Variant] = Field(min_length=2, max_length=20)
    exposure_event: str | None = Field(None, max_length=200)
    feature_flag: str | None = Field(None, max_length=200)
    primary_kpi_id: int | None = None
    guardrail_kpi_ids: list[int] = Field(default_factory=list)


class AnalysisCreate(BaseModel):
    """A snapshot of an analysis, as the statistics computed it."""

    method: str = Field(min_length=1, max_length=40)
    snapshot: dict[str, Any]


class AnalysisPublic(Public, AnalysisCreate):
    """A stored analysis snapshot."""

    id: int
    author: str
    created_at: datetime


class MetricSpec(BaseModel):
    """Per person after first exposure: converted, how many events, or a property's sum."""

    kind: Literal["conversion", "count", "sum"] = "conversion"
    event: str = Field(min_length=1, max_length=200)
    property: str | None = Field(None, max_length=200)


class AnalysisRequest(BaseModel):
    """How to analyse: the metric (default: the primary KPI's) and the method's settings."""

    metric: MetricSpec | None = None
    alpha: float = Field(0.05, gt=0, lt=1)
    difference: Literal["relative", "absolute"] = "relative"
    sequential: bool = False
    tau: float = Field(5000.0, gt=0)
    cuped_days: int | None = Field(None, ge=1, le=365)
    correction: Literal["holm", "benjamini-hochberg", "none"] = "holm"
    expected_change: float | None = None
    inverse: bool = False


class ExperimentPublic(Record, ExperimentCreate):
    """An experiment with its status, decision and analyses."""

    status: Status
    started_at: datetime | None
    ended_at: datetime | None
    decision: Decision | None
    decision_reason: str
    decided_by: str | None
    decided_at: datetime | None
    analyses: list[AnalysisPublic]


class DecisionCreate(BaseModel):
    """A decision, its reason, and what the learning it records says."""

    decision: Decision
    reason: str = Field(min_length=1, max_length=10_000)
    #: The treatment whose measured impact the learning records (default: most likely winner).
    variant: str | None = Field(None, max_length=100)
    title: str | None = Field(None, min_length=1, max_length=300)
    generalize: bool = False


class LearningCreate(BaseModel):
    """What an evaluated action or a decided experiment taught."""

    title: str = Field(min_length=1, max_length=300)
    tried: str = Field(min_length=1, max_length=10_000)
    decision: Decision
    action_id: int | None = None
    experiment_id: int | None = None
    context: str = Field("", max_length=10_000)
    expected_change: float | None = None
    measured_change: float | None = None
    generalize: bool = False


class LearningPublic(Record, LearningCreate):
    """A learning."""


class DecisionPublic(ExperimentPublic):
    """The decided experiment and the learning its decision recorded."""

    learning: LearningPublic


@router.post(
    "/experiments", response_model=ExperimentPublic, status_code=201, summary="Design an experiment"
)
def post_experiment(
    request: Request, caller: CallerDep, body: ExperimentCreate
) -> ExperimentPublic:
    """Design an experiment for an action."""
    with transaction(request) as session:
        experiment = create_experiment(session, caller, **body.model_dump())
        return ExperimentPublic.model_validate(experiment)


@router.get("/experiments", response_model=list[ExperimentPublic], summary="Experiments")
def get_experiments(
    request: Request, caller: CallerDep, action_id: int | None = None, status: Status | None = None
) -> list[ExperimentPublic]:
    """The project's experiments, newest first."""
    with transaction(request) as session:
        found = list_experiments(session, caller.project_id, action_id=action_id, status=status)
        return [ExperimentPublic.model_validate(e) for e in found]


@router.get("/experiments/{experiment_id}", response_model=ExperimentPublic, summary="Experiment")
def get_one_experiment(request: Request, caller: CallerDep, experiment_id: int) -> ExperimentPublic:
    """One experiment with its analyses."""
    with transaction(request) as session:
        experiment = get_experiment(session, caller.project_id, experiment_id)
        return ExperimentPublic.model_validate(experiment)


@router.post("/experiments/{experiment_id}/start", response_model=ExperimentPublic, summary="Start")
def post_start(request: Request, caller: CallerDep, experiment_id: int) -> ExperimentPublic:
    """Start a draft experiment (records the start time)."""
    with transaction(request) as session:
        experiment = move_experiment(session, caller, experiment_id, "start")
        return ExperimentPublic.model_validate(experiment)


@router.post("/experiments/{experiment_id}/stop", response_model=ExperimentPublic, summary="Stop")
def post_stop(request: Request, caller: CallerDep, experiment_id: int) -> ExperimentPublic:
    """Stop a running experiment (records the end time)."""
    with transaction(request) as session:
        experiment = move_experiment(session, caller, experiment_id, "stop")
        return ExperimentPublic.model_validate(experiment)


@router.post(
    "/experiments/{experiment_id}/decision",
    response_model=DecisionPublic,
    summary="Decide an experiment",
)
def post_decision(
    request: Request, caller: CallerDep, experiment_id: int, body: DecisionCreate
) -> DecisionPublic:
    """Ship, iterate or stop, with the reason; records the learning (measured vs expected)."""
    with transaction(request) as session:
        experiment, learning = decide_with_learning(
            session, caller, experiment_id, **body.model_dump()
        )
        public = ExperimentPublic.model_validate(experiment).model_dump()
        return DecisionPublic(**public, learning=LearningPublic.model_validate(learning))


@router.post(
    "/experiments/{experiment_id}/analyses",
    response_model=AnalysisPublic,
    status_code=201,
    summary="Store an analysis",
)
def post_analysis(
    request: Request, caller: CallerDep, experiment_id: int, body: AnalysisCreate
) -> AnalysisPublic:
    """Store a snapshot of an experiment's analysis."""
    with transaction(request) as session:
        analysis = add_analysis(session, caller, experiment_id, **body.model_dump())
        return AnalysisPublic.model_validate(analysis)


@router.post(
    "/experiments/{experiment_id}/analyze",
    response_model=AnalysisPublic,
    status_code=201,
    summary="Analyse an experiment from the events",
    operation_id="analyze_experiment",
)
@router.post(
    "/experiments/{experiment_id}/analysis",
    response_model=AnalysisPublic,
    status_code=201,
    summary="Analyse an experiment from the events (alias of /analyze)",
    operation_id="analyze_experiment_alias",
)
def post_analysis_run(
    request: Request, caller: CallerDep, experiment_id: int, body: AnalysisRequest | None = None
) -> AnalysisPublic:
    """Read exposures and the metric from the event store, analyse, store the snapshot."""
    body = body or AnalysisRequest.model_validate({})
    spec = body.metric
    metric = metric_of(spec.kind, spec.event, spec.property) if spec else None
    settings = AnalysisSettings(**body.model_dump(exclude={"metric"}))
    store = request.app.state.runtime.store
    with transaction(request) as session:
        analysis, _ = analyze_experiment(
            session, caller, store, experiment_id, metric=metric, settings=settings
        )
        return AnalysisPublic.model_validate(analysis)


@router.get(
    "/experiments/{experiment_id}/analysis",
    response_model=AnalysisPublic,
    summary="The latest analysis",
)
def get_analysis(request: Request, caller: CallerDep, experiment_id: int) -> AnalysisPublic:
    """The newest analysis snapshot of an experiment (404 when none)."""
    with transaction(request) as session:
        return AnalysisPublic.model_validate(
            latest_analysis(session, caller.project_id, experiment_id)
        )


class PowerRequest(BaseModel):
    """What to plan for: measured from an experiment or action, each input an override."""

    experiment_id: int | None = None
    action_id: int | None = None
    metric: MetricSpec | None = None
    baseline: float | None = None
    mde: float | None = None
    daily_traffic: float | None = None
    variance: float | None = None
    variants: int = Field(2, ge=2, le=20)
    alpha: float = Field(0.05, gt=0, lt=1)
    power: float = Field(0.8, gt=0, lt=1)


class PowerPublic(BaseModel):
    """Persons per variant and in all, days, and the inputs used."""

    per_variant: int
    total: int
    days: int | None
    baseline: float
    mde: float
    variance: float | None
    daily_traffic: float | None
    measured_from: str | None


@router.post("/experiments/power", response_model=PowerPublic, summary="Power and duration")
def post_power(request: Request, caller: CallerDep, body: PowerRequest) -> PowerPublic:
    """Persons and days to detect a change, from measured baseline and traffic or given ones."""
    store = request.app.state.runtime.store
    spec = body.metric
    metric = metric_of(spec.kind, spec.event, spec.property) if spec else None
    measured = None
    with transaction(request) as session:
        if body.experiment_id is not None:
            measured = measure_for_experiment(
                session, store, caller.project_id, body.experiment_id, metric=metric
            )
        elif body.action_id is not None:
            measured = measure_for_action(
                session, store, caller.project_id, body.action_id, metric=metric
            )
    given = body.model_dump(exclude={"experiment_id", "action_id", "metric"})
    plan = plan_power(measured, **given)
    return PowerPublic(
        per_variant=plan.result.per_variant,
        total=plan.result.total,
        days=plan.result.days,
        baseline=plan.baseline,
        mde=plan.mde,
        variance=plan.variance,
        daily_traffic=plan.daily_traffic,
        measured_from=measured.source if measured else None,
    )


@router.post("/learnings", response_model=LearningPublic, status_code=201, summary="Add a learning")
def post_learning(request: Request, caller: CallerDep, body: LearningCreate) -> LearningPublic:
    """Capitalize the outcome of an evaluated action or a decided experiment."""
    with transaction(request) as session:
        return LearningPublic.model_validate(create_learning(session, caller, **body.model_dump()))


@router.get("/learnings", response_model=list[LearningPublic], summary="Learnings")
def get_learnings(
    request: Request, caller: CallerDep, generalize: bool | None = None
) -> list[LearningPublic]:
    """The project's learnings, newest first."""
    with transaction(request) as session:
        found = list_learnings(session, caller.project_id, generalize=generalize)
        return [LearningPublic.model_validate(x) for x in found]


@router.get("/learnings/{learning_id}", response_model=LearningPublic, summary="A learning")
def get_one_learning(request: Request, caller: CallerDep, learning_id: int) -> LearningPublic:
    """One learning."""
    with transaction(request) as session:
        return LearningPublic.model_validate(get_learning(session, caller.project_id, learning_id))
