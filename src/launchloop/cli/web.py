"""``launchloop query web`` and ``launchloop query friction``: the web and friction panels."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from launchloop.analytics import friction, web
from launchloop.analytics.filters import parse_filters
from launchloop.analytics.timeframe import DateRange
from launchloop.cli.events import resolve_project
from launchloop.cli.options import DataDir, JsonOutput, ProjectOption
from launchloop.cli.query import query_app
from launchloop.config import load_settings
from launchloop.errors import InvalidInput
from launchloop.knowledge.project_time import project_day
from launchloop.runtime import open_runtime
from launchloop.store.base import EventStore

console = Console()
Days = Annotated[int, typer.Option("--days", min=1, max=3700, help="Days ending on --to.")]
DateTo = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")]
Filters = Annotated[str | None, typer.Option("--filters", help="JSON list of filters.")]
Limit = Annotated[int, typer.Option("--limit", min=1, max=1000, help="Rows per list.")]


def _scoped(
    data_dir: Any,
    project: int | None,
    days: int,
    last: str | None,
    read: Callable[[EventStore, int, DateRange], Any],
) -> Any:
    runtime = open_runtime(load_settings(data_dir=data_dir))
    try:
        project_id = resolve_project(runtime, project)
        end, zone = project_day(runtime.database, project_id, last)
        return read(runtime.store, project_id, DateRange(end - timedelta(days=days - 1), end, zone))
    finally:
        runtime.close()


def _filters(text: str | None) -> tuple[Any, ...]:
    if not text:
        return ()
    try:
        return parse_filters(orjson.loads(text), "--filters")
    except orjson.JSONDecodeError:
        raise InvalidInput("--filters", "is not valid JSON") from None


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(title: str, header: tuple[str, ...], rows: Any) -> Table:
    table = Table(*header, title=title)
    for row in rows:
        table.add_row(*(str(getattr(row, name)) for name in header))
    return table


@query_app.command("web")
def web_command(
    days: Days = 7,
    to: DateTo = None,
    filters: Filters = None,
    limit: Limit = 10,
    activation: str = typer.Option(None, help="Activation event: adds conversion per channel."),
    channel: str = typer.Option("utm_source", help="referrer or utm_source/medium/campaign."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Visitors, sessions, bounce rate, top/entry/exit pages, referrers and channels."""

    def read(store: EventStore, project_id: int, span: DateRange) -> dict[str, Any]:
        query = web.WebQuery(project_id, span, _filters(filters), limit)
        conversion = web.channel_conversion(store, query, channel, activation) if activation else ()  # type: ignore[arg-type]
        return {
            "overview": web.web_overview(store, query),
            "top_pages": web.top_pages(store, query),
            "entry_pages": web.session_pages(store, query, "entry"),
            "exit_pages": web.session_pages(store, query, "exit"),
            "referrers": web.traffic_sources(store, query, "referrer"),
            "channels": conversion,
        }

    panels = _scoped(data_dir, project, days, to, read)
    if as_json:
        overview = panels["overview"]
        typer.echo(orjson.dumps({**_plain(panels), "bounce_rate": overview.bounce_rate}).decode())
        return
    o = panels["overview"]
    console.print(
        f"visitors {o.visitors}, page views {o.page_views}, sessions {o.sessions}, "
        f"bounce rate {o.bounce_rate if o.bounce_rate is None else f'{o.bounce_rate:.1%}'}, "
        f"median session {o.median_session_seconds} s"
    )
    console.print(_rows("top pages", ("path", "views", "visitors"), panels["top_pages"]))
    console.print(_rows("referrers", ("value", "sessions", "visitors"), panels["referrers"]))
    if activation:
        header = ("value", "visitors", "activated")
        console.print(_rows("activation per channel", header, panels["channels"]))


@query_app.command("friction")
def friction_command(
    days: Days = 7,
    to: DateTo = None,
    filters: Filters = None,
    limit: Limit = 10,
    slow_ms: float = typer.Option(4000.0, help="Slow-page threshold in ms."),
    data_dir: DataDir = None,
    project: ProjectOption = None,
    as_json: JsonOutput = False,
) -> None:
    """Rage and dead clicks, errors, slow pages and abandoned forms, per 1,000 sessions."""

    def read(store: EventStore, project_id: int, span: DateRange) -> dict[str, Any]:
        query = friction.FrictionQuery(project_id, span, _filters(filters), limit, slow_ms)
        return {
            "summary": friction.friction_summary(store, query),
            "hotspots": friction.friction_hotspots(store, query),
            "forms": friction.form_abandonment(store, query),
        }

    panels = _scoped(data_dir, project, days, to, read)
    summary = panels["summary"]
    if as_json:
        answer = {**_plain(panels), "friction_rate": summary.friction_rate}
        typer.echo(orjson.dumps(answer).decode())
        return
    console.print(
        f"sessions {summary.sessions}: rage clicks {summary.rage_clicks}, dead clicks "
        f"{summary.dead_clicks}, errors {summary.errors}, slow pages {summary.slow_pages}, "
        f"abandoned forms {summary.abandoned_forms}; friction rate {summary.friction_rate} "
        "per 1,000 sessions"
    )
    header = ("kind", "path", "target", "events", "sessions", "persons")
    console.print(_rows("hot spots", header, panels["hotspots"]))
