"""``launchloop query trends|funnel|retention|lifecycle|paths``: analytics from the shell."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, cast

import orjson
import typer
from rich.console import Console
from rich.table import Table

from launchloop.analytics import funnels, lifecycle, paths, retention, trends
from launchloop.analytics.filters import EventSpec, parse_filters, property_ref
from launchloop.analytics.timeframe import DateRange, check_interval
from launchloop.cli import app
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.models import Project
from launchloop.runtime import Runtime, open_runtime
from launchloop.store.base import EventStore

console = Console()
query_app = typer.Typer(help="Analytics queries over the events.", no_args_is_help=True)
app.add_typer(query_app, name="query")

DateFrom = Annotated[str | None, typer.Option("--from", help="First day (default: 7 days ago).")]
DateTo = Annotated[str | None, typer.Option("--to", help="Last day, included (default: today).")]
Filters = Annotated[
    str | None, typer.Option("--filters", help='JSON list, e.g. [{"key":"plan","value":"pro"}].')
]
Interval = Annotated[str, typer.Option("--interval", help="hour, day, week or month.")]


def _run(
    data_dir: Any,
    project: int | None,
    first: str | None,
    last: str | None,
    build: Callable[[EventStore, int, DateRange], Any],
) -> Any:
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        span = DateRange(
            _day(first, "--from", 6), _day(last, "--to", 0), _zone(runtime, project_id)
        )
        return build(runtime.store, project_id, span)
    finally:
        runtime.close()


def _day(text: str | None, field: str, days_ago: int) -> date:
    if text is None:
        return date.today() - timedelta(days=days_ago)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _zone(runtime: Runtime, project_id: int) -> str:
    with runtime.database.session() as session:
        project = session.get(Project, project_id)
        return project.time_zone if project else "UTC"


def _filters(text: str | None, field: str = "--filters") -> tuple[Any, ...]:
    if not text:
        return ()
    try:
        return parse_filters(orjson.loads(text), field)
    except orjson.JSONDecodeError:
        raise InvalidInput(field, "is not valid JSON") from None


def _emit(result: Any, as_json: bool, table: Callable[[Any], Table]) -> None:
    if as_json:
        typer.echo(orjson.dumps(dataclasses.asdict(result)).decode())
    else:
        console.print(table(result))


@query_app.command("trends")
def trends_command(
    event: Annotated[str | None, typer.Argument(help="Event name (default: every event).")] = None,
    math: Annotated[str, typer.Option(help="count, unique, sum or avg.")] = "count",
    math_property: Annotated[str | None, typer.Option(help="Numeric property (sum, avg).")] = None,
    breakdown: Annotated[str | None, typer.Option(help="Event property to break down by.")] = None,
    interval: Interval = "day",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    filters: Filters = None,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """An event per bucket of the project's time zone."""

    def build(store: EventStore, project_id: int, span: DateRange) -> trends.TrendsResult:
        query = trends.TrendsQuery(
            project_id,
            span,
            event,
            check_interval(interval),
            math,  # type: ignore[arg-type]
            property_ref(math_property, field="--math-property") if math_property else None,
            _filters(filters),
            property_ref(breakdown, field="--breakdown") if breakdown else None,
        )
        return trends.trends(store, query)

    result = _run(data_dir, project, date_from, date_to, build)
    _emit(result, as_json, _trends_table)


def _trends_table(result: trends.TrendsResult) -> Table:
    lines = result.current.lines
    table = Table("bucket", *[line.breakdown_value or "value" for line in lines])
    for i, start in enumerate(result.current.buckets):
        table.add_row(str(start), *[f"{line.values[i]:g}" for line in lines])
    return table


@query_app.command("funnel")
def funnel_command(
    steps: Annotated[list[str], typer.Argument(help="2 to 10 event names, in order.")],
    window: Annotated[int, typer.Option(help="Conversion window in seconds.")] = 14 * 86_400,
    order: Annotated[str, typer.Option(help="ordered, strict or any.")] = "ordered",
    breakdown: Annotated[str | None, typer.Option(help="Event property to break down by.")] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    filters: Filters = None,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Persons through the steps within the window."""

    def build(store: EventStore, project_id: int, span: DateRange) -> funnels.FunnelResult:
        query = funnels.FunnelQuery(
            project_id,
            span,
            tuple(funnels.FunnelStep(s) for s in steps),
            window,
            cast(funnels.OrderMode, order),
            filters=_filters(filters),
            breakdown=property_ref(breakdown, field="--breakdown") if breakdown else None,
        )
        return funnels.funnel(store, query)

    result = _run(data_dir, project, date_from, date_to, build)
    _emit(result, as_json, _funnel_table)


def _funnel_table(result: funnels.FunnelResult) -> Table:
    table = Table("step", "entered", "dropped", "from previous", "from first", "median s", "p90 s")
    for s in result.steps:
        table.add_row(
            f"{s.index}. {s.name}",
            str(s.entered),
            str(s.dropped),
            f"{s.conversion_from_previous:.1%}",
            f"{s.conversion_from_first:.1%}",
            "" if s.median_seconds is None else f"{s.median_seconds:g}",
            "" if s.p90_seconds is None else f"{s.p90_seconds:g}",
        )
    return table


@query_app.command("retention")
def retention_command(
    start: Annotated[str, typer.Argument(help="Start event (defines cohorts).")],
    returning: Annotated[str, typer.Argument(help="Return event.")],
    interval: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    periods: Annotated[int, typer.Option(help="Periods to follow.")] = 8,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The cohort table of a start event and a return event."""

    def build(store: EventStore, project_id: int, span: DateRange) -> retention.RetentionResult:
        query = retention.RetentionQuery(
            project_id,
            span,
            EventSpec(start),
            EventSpec(returning),
            check_interval(interval),
            periods,
        )
        return retention.retention(store, query)

    result = _run(data_dir, project, date_from, date_to, build)
    _emit(result, as_json, _retention_table)


def _retention_table(result: retention.RetentionResult) -> Table:
    size = len(result.cohorts[0].returned) if result.cohorts else 1
    table = Table("cohort", *[str(k) for k in range(size)])
    for cohort in result.cohorts:
        table.add_row(
            str(cohort.start.date()), *["" if r is None else str(r) for r in cohort.returned]
        )
    return table


@query_app.command("lifecycle")
def lifecycle_command(
    event: Annotated[str, typer.Argument(help="Event name.")],
    interval: Interval = "day",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """New, returning, resurrecting and dormant persons per bucket."""

    def build(store: EventStore, project_id: int, span: DateRange) -> lifecycle.LifecycleResult:
        query = lifecycle.ActivityQuery(
            project_id, span, EventSpec(event), check_interval(interval)
        )
        return lifecycle.lifecycle(store, query)

    result = _run(data_dir, project, date_from, date_to, build)
    _emit(result, as_json, _lifecycle_table)


def _lifecycle_table(result: lifecycle.LifecycleResult) -> Table:
    table = Table("bucket", *lifecycle.STATUSES)
    for b in result.buckets:
        table.add_row(
            str(b.start), str(b.new), str(b.returning), str(b.resurrecting), str(b.dormant)
        )
    return table


@query_app.command("paths")
def paths_command(
    anchor: Annotated[str, typer.Argument(help="The event paths start (or end) at.")],
    direction: Annotated[str, typer.Option(help="after or before.")] = "after",
    steps: Annotated[int, typer.Option(help="Items per path.")] = 3,
    items: Annotated[str, typer.Option(help="event or page.")] = "event",
    limit: Annotated[int, typer.Option(help="Paths to show.")] = 20,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """The most frequent paths after or before an event."""

    def build(store: EventStore, project_id: int, span: DateRange) -> paths.PathsResult:
        query = paths.PathsQuery(
            project_id,
            span,
            EventSpec(anchor),
            cast(paths.Direction, direction),
            steps,
            cast(paths.ItemKind, items),
            limit,
        )
        return paths.paths(store, query)

    result = _run(data_dir, project, date_from, date_to, build)
    _emit(result, as_json, _paths_table)


def _paths_table(result: paths.PathsResult) -> Table:
    table = Table("path", "persons")
    for found in result.paths:
        table.add_row(" → ".join(found.items) or "(end)", str(found.persons))
    return table
