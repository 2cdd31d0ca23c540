"""Experience friction: rage clicks, dead clicks, errors, slow pages and abandoned forms.

Event names are those the tracker and PostHog's autocapture send (the same on both stores):

- rage click ``$rageclick``, dead click ``$dead_click`` (their target: the ``element`` column);
- error ``$exception`` (its target: ``$exception_type``, else ``$exception_message``);
- slow page: a ``$pageview`` or ``$web_vitals`` event whose load time (``$web_vitals_LCP_value``,
  else ``$performance_page_loaded``, in ms) is above ``slow_ms`` (4,000 ms: the "poor" LCP bound);
- form abandonment: per page, sessions that started a form (``$form_start``, or an autocaptured
  ``change``) without submitting one there (``$form_submit``, or an autocaptured ``submit``).

Rates are per 1,000 sessions: sessions are the distinct ``session_id`` values of any event of
the range, the same denominator as the ``friction_rate`` KPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from launchloop.analytics.filters import PropertyFilter, uses_person, where
from launchloop.analytics.source import in_range, person_rows
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.web import event_rows
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

FrictionKind = Literal["rage_click", "dead_click", "error", "slow_page"]
NONE = "$none"
MAX_ROWS = 1_000
_RAGE, _DEAD, _ERROR = "event = '$rageclick'", "event = '$dead_click'", "event = '$exception'"
_SLOW_EVENTS = "event IN ('$pageview', '$web_vitals')"
_SPOT_EVENTS = "'$rageclick', '$dead_click', '$exception', '$pageview', '$web_vitals'"
_FORM_EVENTS = "'$form_start', '$form_submit', '$autocapture'"
_STARTED = "(event = '$form_start' OR (event = '$autocapture' AND event_type = 'change'))"
_SUBMITTED = "(event = '$form_submit' OR (event = '$autocapture' AND event_type = 'submit'))"


@dataclass(frozen=True)
class FrictionQuery:
    """A project's friction over local days; ``slow_ms`` is the slow-page threshold."""

    project_id: int
    span: DateRange
    filters: tuple[PropertyFilter, ...] = ()
    limit: int = 20
    slow_ms: float = 4_000.0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_ROWS:
            raise InvalidInput("limit", f"must be between 1 and {MAX_ROWS}")
        if not 0 < self.slow_ms <= 600_000:
            raise InvalidInput("slow_ms", "must be between 0 and 600000 ms")


@dataclass(frozen=True)
class FrictionSummary:
    """Friction counts of the range and the sessions they are rated against."""

    sessions: int
    rage_clicks: int
    dead_clicks: int
    errors: int
    slow_pages: int
    abandoned_forms: int

    def per_1000_sessions(self, count: int) -> float | None:
        """``count`` per 1,000 sessions (None without sessions)."""
        return 1000 * count / self.sessions if self.sessions else None

    @property
    def friction_rate(self) -> float | None:
        """Rage clicks, dead clicks and errors per 1,000 sessions (the KPI's default)."""
        return self.per_1000_sessions(self.rage_clicks + self.dead_clicks + self.errors)


@dataclass(frozen=True)
class FrictionSpot:
    """A hot spot: one kind of friction on one page and target (element or error)."""

    kind: FrictionKind
    path: str
    target: str
    events: int
    sessions: int
    persons: int


@dataclass(frozen=True)
class FormAbandonment:
    """Sessions that started a form on a page, and those that left it unsubmitted."""

    path: str
    started: int
    abandoned: int

    @property
    def rate(self) -> float:
        """Abandoned over started."""
        return self.abandoned / self.started if self.started else 0.0


def _base(p: Printer, query: FrictionQuery, *, person: bool = True, only: str = "") -> str:
    """The range's events with what friction needs extracted (parameters in text order).

    :param person: resolve persons (a join); counts of events and sessions need none.
    :param only: an SQL list of the event names to read (all events when empty).
    """
    error_target = (
        f"coalesce({p.json_text('e.properties', '$exception_type')},"
        f" {p.json_text('e.properties', '$exception_message')})"
    )
    load_ms = (
        f"coalesce({p.to_number(p.json_text('e.properties', '$web_vitals_LCP_value'))},"
        f" {p.to_number(p.json_text('e.properties', '$performance_page_loaded'))})"
    )
    event_type = p.json_text("e.properties", "$event_type")
    names = f" AND e.event IN ({only})" if only else ""
    who, rows = "NULL", event_rows(p, query.filters, person=False)
    if person:
        who, rows = person_rows(p, query.project_id, with_persons=uses_person(query.filters))
    return (
        f"SELECT e.session_id AS session, {who} AS person,"
        " e.event AS event, e.path AS path, e.element AS element,\n"
        f"    {error_target} AS error_target, {load_ms} AS load_ms, {event_type} AS event_type\n"
        f"{rows}\n"
        f"WHERE {in_range(p, query.project_id, query.span)}{names} AND {where(query.filters, p)}"
    )


def summary_sql(query: FrictionQuery, p: Printer) -> Compiled:
    """Sessions and the count of each kind of friction event."""
    base = _base(p, query, person=False)
    slow = f"{_SLOW_EVENTS} AND load_ms > {p.param(float(query.slow_ms))}"
    sql = (
        f"WITH base AS (\n{base}\n)\n"
        "SELECT count(DISTINCT session),"
        f" {p.count_if(_RAGE)}, {p.count_if(_DEAD)}, {p.count_if(_ERROR)}, {p.count_if(slow)}\n"
        "FROM base"
    )
    return p.compiled(sql)


def friction_summary(store: EventStore, query: FrictionQuery) -> FrictionSummary:
    """Friction counts of the range, with the sessions to rate them per 1,000."""
    p = printer_for(store.dialect, query.span.time_zone)
    row = run(store, summary_sql(query, p))[0]
    abandoned = sum(form.abandoned for form in form_abandonment(store, query, limit=MAX_ROWS))
    sessions, rage, dead, errors, slow = (int(v or 0) for v in row)
    return FrictionSummary(sessions, rage, dead, errors, slow, abandoned)


def hotspots_sql(query: FrictionQuery, p: Printer) -> Compiled:
    """Friction events per kind, page and target; most events first."""
    base = _base(p, query, only=_SPOT_EVENTS)
    slow = f"({_SLOW_EVENTS} AND load_ms > {p.param(float(query.slow_ms))})"
    kind = (
        f"CASE WHEN {_RAGE} THEN 'rage_click' WHEN {_DEAD} THEN 'dead_click'"
        f" WHEN {_ERROR} THEN 'error' ELSE 'slow_page' END"
    )
    target = f"CASE WHEN {_ERROR} THEN error_target WHEN {_SLOW_EVENTS} THEN NULL ELSE element END"
    sql = (
        f"WITH base AS (\n{base}\n),\n"
        f"spots AS (\nSELECT {kind} AS kind, coalesce(path, '{NONE}') AS page,\n"
        f"    coalesce({target}, '{NONE}') AS target, session, person\n"
        f"FROM base WHERE {_RAGE} OR {_DEAD} OR {_ERROR} OR {slow}\n)\n"
        "SELECT kind, page, target, count(*) AS events, count(DISTINCT session) AS sessions,"
        " count(DISTINCT person) AS persons\n"
        "FROM spots GROUP BY kind, page, target\n"
        f"ORDER BY events DESC, kind, page, target LIMIT {p.param(int(query.limit))}"
    )
    return p.compiled(sql)


def friction_hotspots(store: EventStore, query: FrictionQuery) -> tuple[FrictionSpot, ...]:
    """The pages and elements (or errors) with the most friction events."""
    p = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, hotspots_sql(query, p))
    return tuple(
        FrictionSpot(kind, str(page), str(target), int(n), int(sessions), int(persons))
        for kind, page, target, n, sessions, persons in rows
    )


def forms_sql(query: FrictionQuery, p: Printer, limit: int) -> Compiled:
    """Per page: sessions that started a form, and those that submitted none there."""
    sql = (
        f"WITH base AS (\n{_base(p, query, person=False, only=_FORM_EVENTS)}\n),\n"
        f"per_session AS (\nSELECT session, coalesce(path, '{NONE}') AS page,\n"
        f"    {p.count_if(_STARTED)} AS starts, {p.count_if(_SUBMITTED)} AS submits\n"
        f"FROM base WHERE session IS NOT NULL AND ({_STARTED} OR {_SUBMITTED})\n"
        "GROUP BY session, page\n),\n"
        "per_page AS (\n"
        f"SELECT page, {p.count_if('starts > 0')} AS started,"
        f" {p.count_if('starts > 0 AND submits = 0')} AS abandoned\n"
        "FROM per_session GROUP BY page\n)\n"
        "SELECT page, started, abandoned FROM per_page WHERE started > 0\n"
        f"ORDER BY abandoned DESC, page LIMIT {p.param(int(limit))}"
    )
    return p.compiled(sql)


def form_abandonment(
    store: EventStore, query: FrictionQuery, *, limit: int | None = None
) -> tuple[FormAbandonment, ...]:
    """Pages where sessions start forms, most abandoned first."""
    p = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, forms_sql(query, p, limit or query.limit))
    return tuple(FormAbandonment(str(page), int(s), int(a)) for page, s, a in rows)
