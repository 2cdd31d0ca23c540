"""Web analytics: visitors, sessions, page views, bounce rate, pages, referrers, channels.

Definitions (the same on both stores):

- a *visitor* is a person (merged ids resolved at query time) with a ``$pageview`` in the range;
- a *session* is a ``session_id`` (``$session_id``) with at least one ``$pageview`` in the range;
  events without a session id count as page views but belong to no session;
- a session *bounces* when its only events are one ``$pageview`` (and ``$pageleave``s);
- a session's *length* is the time from its first to its last event in the range;
- *entry* and *exit* pages are a session's first and last page views (ties: by uuid);
- a session's *referrer* and *UTM* values are those of its entry page view; no referrer is
  ``$direct``, no UTM value ``$none``;
- *activation conversion per channel*: visitors grouped by the channel of their first page view
  in the range, and the share of them with the activation event at or after that page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from launchloop.analytics.filters import PropertyFilter, uses_person, where
from launchloop.analytics.source import events_from, in_range, person_rows
from launchloop.analytics.sql import Compiled, Printer, printer_for, run
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore

Channel = Literal["referrer", "utm_source", "utm_medium", "utm_campaign"]
SessionPage = Literal["entry", "exit"]
PAGEVIEW = "$pageview"
PAGELEAVE = "$pageleave"
DIRECT, NONE = "$direct", "$none"
MAX_ROWS = 1_000
IS_PAGEVIEW = f"event = '{PAGEVIEW}'"
IS_OTHER = f"event NOT IN ('{PAGEVIEW}', '{PAGELEAVE}')"
ONLY_PAGEVIEWS = f" AND e.event = '{PAGEVIEW}'"


@dataclass(frozen=True)
class WebQuery:
    """A project's web traffic over local days, optionally filtered."""

    project_id: int
    span: DateRange
    filters: tuple[PropertyFilter, ...] = ()
    limit: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_ROWS:
            raise InvalidInput("limit", f"must be between 1 and {MAX_ROWS}")


@dataclass(frozen=True)
class WebOverview:
    """The headline numbers of a range; lengths in seconds (None without sessions)."""

    visitors: int
    page_views: int
    sessions: int
    bounced_sessions: int
    mean_session_seconds: float | None
    median_session_seconds: float | None

    @property
    def bounce_rate(self) -> float | None:
        """Bounced sessions over sessions (None without sessions)."""
        return self.bounced_sessions / self.sessions if self.sessions else None


@dataclass(frozen=True)
class PageStat:
    """A page (path; ``$none`` without one): its views and distinct visitors."""

    path: str
    views: int
    visitors: int


@dataclass(frozen=True)
class SessionGroup:
    """Sessions (and their visitors) that share an entry value: page, referrer or UTM value."""

    value: str
    sessions: int
    visitors: int


@dataclass(frozen=True)
class ChannelConversion:
    """Visitors first seen through a channel value, and how many of them activated."""

    value: str
    visitors: int
    activated: int

    @property
    def conversion(self) -> float | None:
        """Activated over visitors."""
        return self.activated / self.visitors if self.visitors else None


def event_rows(p: Printer, filters: tuple[PropertyFilter, ...], *, person: bool) -> str:
    """``FROM events e`` joined to persons only when ``person`` is read or a filter needs it.

    Session and event counts need no person: skipping the join halves their cost on ClickHouse.
    """
    if person or uses_person(filters):
        return events_from(p, with_persons=uses_person(filters))
    return "FROM events AS e"


def _base(p: Printer, query: WebQuery, extra: str = "", *, person: bool = True) -> str:
    """Rows of the range: session, person, event, time (µs), uuid, path, referrer, UTMs."""
    who, rows = "NULL", event_rows(p, query.filters, person=False)
    if person:
        who, rows = person_rows(p, query.project_id, with_persons=uses_person(query.filters))
    return (
        f"SELECT e.session_id AS session, {who} AS person, e.event AS event,\n"
        f"    {p.micros('e.timestamp')} AS t, e.uuid AS uuid, e.path AS path,"
        " e.referrer AS referrer,\n"
        "    e.utm_source AS utm_source, e.utm_medium AS utm_medium,"
        " e.utm_campaign AS utm_campaign\n"
        f"{rows}\n"
        f"WHERE {in_range(p, query.project_id, query.span)}{extra}"
        f" AND {where(query.filters, p)}"
    )


def _or_null(aggregate: str) -> str:
    # ClickHouse gives nan for avg() of no rows where DuckDB gives NULL: both NULL here.
    return f"CASE WHEN count(*) = 0 THEN NULL ELSE {aggregate} END"


def visitors_sql(query: WebQuery, p: Printer) -> Compiled:
    """Visitors and page views."""
    sql = (
        f"WITH base AS (\n{_base(p, query, ONLY_PAGEVIEWS)}\n)\n"
        "SELECT count(DISTINCT person), count(*) FROM base"
    )
    return p.compiled(sql)


def sessions_sql(query: WebQuery, p: Printer) -> Compiled:
    """Sessions, bounced sessions, mean and median session length (µs); no person needed."""
    sql = (
        f"WITH base AS (\n{_base(p, query, person=False)}\n),\n"
        "per_session AS (\n"
        f"SELECT session, {p.count_if(IS_PAGEVIEW)} AS views,\n"
        f"    {p.count_if(IS_OTHER)} AS others,\n"
        "    max(t) - min(t) AS length\n"
        "FROM base WHERE session IS NOT NULL GROUP BY session\n),\n"
        "web AS (SELECT * FROM per_session WHERE views > 0)\n"
        f"SELECT count(*), {p.count_if('views = 1 AND others = 0')},\n"
        f"    {_or_null('avg(length)')}, {_or_null(p.quantile_if('length', 0.5, 'true'))}\n"
        "FROM web"
    )
    return p.compiled(sql)


def web_overview(store: EventStore, query: WebQuery) -> WebOverview:
    """The headline numbers of the range."""
    visitors, views = run(store, visitors_sql(query, _printer(store, query)))[0]
    row = run(store, sessions_sql(query, _printer(store, query)))[0]
    sessions, bounced = (int(v or 0) for v in row[:2])
    mean, median = (None if v is None or v != v else round(float(v) / 1e6, 6) for v in row[2:])
    return WebOverview(int(visitors or 0), int(views or 0), sessions, bounced, mean, median)


def _printer(store: EventStore, query: WebQuery) -> Printer:
    return printer_for(store.dialect, query.span.time_zone)


def top_pages_sql(query: WebQuery, p: Printer) -> Compiled:
    """Page views and visitors per path, most viewed first."""
    sql = (
        f"WITH base AS (\n{_base(p, query, ONLY_PAGEVIEWS)}\n)\n"
        f"SELECT coalesce(path, '{NONE}') AS page, count(*) AS views,"
        " count(DISTINCT person) AS visitors\n"
        f"FROM base GROUP BY page ORDER BY views DESC, page LIMIT {p.param(int(query.limit))}"
    )
    return p.compiled(sql)


def top_pages(store: EventStore, query: WebQuery) -> tuple[PageStat, ...]:
    """The most viewed pages (ties by path)."""
    p = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, top_pages_sql(query, p))
    return tuple(PageStat(str(page), int(views), int(visitors)) for page, views, visitors in rows)


def referrer_domain(p: Printer, column: str) -> str:
    """The host of a referrer URL, ``$direct`` when there is none."""
    pattern = "'^[A-Za-z][A-Za-z0-9+.-]*://([^/?#:]+)'"
    host = (
        f"regexp_extract({column}, {pattern}, 1)"
        if p.dialect == "duckdb"
        else f"extract({column}, {pattern})"
    )
    return f"coalesce(nullif(lower({host}), ''), '{DIRECT}')"


def _entry_value(p: Printer, dimension: str) -> str:
    if dimension == "path":
        return f"coalesce(path, '{NONE}')"
    if dimension == "referrer":
        return referrer_domain(p, "referrer")
    return f"coalesce({dimension}, '{NONE}')"


def session_groups_sql(query: WebQuery, p: Printer, dimension: str, page: SessionPage) -> Compiled:
    """Sessions and visitors per value of the entry (or exit) page view's ``dimension``."""
    order = "t, uuid" if page == "entry" else "t DESC, uuid DESC"
    sql = (
        f"WITH base AS (\n{_base(p, query, ONLY_PAGEVIEWS)}\n),\n"
        "ranked AS (\n"
        f"SELECT session, person, {_entry_value(p, dimension)} AS value,\n"
        f"    row_number() OVER (PARTITION BY session ORDER BY {order}) AS position\n"
        "FROM base WHERE session IS NOT NULL\n)\n"
        "SELECT value, count(*) AS sessions, count(DISTINCT person) AS visitors\n"
        "FROM ranked WHERE position = 1\n"
        f"GROUP BY value ORDER BY sessions DESC, value LIMIT {p.param(int(query.limit))}"
    )
    return p.compiled(sql)


def _groups(
    store: EventStore, query: WebQuery, dimension: str, page: SessionPage
) -> tuple[SessionGroup, ...]:
    p = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, session_groups_sql(query, p, dimension, page))
    return tuple(SessionGroup(str(value), int(n), int(people)) for value, n, people in rows)


def session_pages(
    store: EventStore, query: WebQuery, page: SessionPage
) -> tuple[SessionGroup, ...]:
    """The pages that sessions start (``entry``) or end (``exit``) on, most frequent first."""
    if page not in get_args(SessionPage):
        raise InvalidInput("page", "must be entry or exit")
    return _groups(store, query, "path", page)


def traffic_sources(
    store: EventStore, query: WebQuery, channel: Channel
) -> tuple[SessionGroup, ...]:
    """Sessions per referrer domain or UTM source / medium / campaign of their entry view."""
    if channel not in get_args(Channel):
        raise InvalidInput("channel", f"must be one of {', '.join(get_args(Channel))}")
    return _groups(store, query, channel, "entry")


def channel_conversion_sql(
    query: WebQuery, p: Printer, channel: Channel, activation: str
) -> Compiled:
    """Per channel value of visitors' first page view: visitors, and those who activated."""
    sql = (
        f"WITH base AS (\n{_base(p, query)}\n),\n"
        "firsts AS (\n"
        "SELECT person, value, t FROM (\n"
        f"    SELECT person, {_entry_value(p, channel)} AS value, t,\n"
        "        row_number() OVER (PARTITION BY person ORDER BY t, uuid) AS position\n"
        f"    FROM base WHERE event = '{PAGEVIEW}'\n) AS ranked WHERE position = 1\n),\n"
        "activations AS (\n"
        f"SELECT person, max(t) AS last_t FROM base WHERE event = {p.param(activation)}"
        " GROUP BY person\n)\n"
        "SELECT f.value, count(*) AS visitors,"
        f" {p.count_if('a.last_t IS NOT NULL AND a.last_t >= f.t')} AS activated\n"
        "FROM firsts AS f LEFT JOIN activations AS a ON a.person = f.person\n"
        f"GROUP BY f.value ORDER BY visitors DESC, f.value LIMIT {p.param(int(query.limit))}"
    )
    return p.compiled(sql)


def channel_conversion(
    store: EventStore, query: WebQuery, channel: Channel, activation: str
) -> tuple[ChannelConversion, ...]:
    """Activation conversion per channel: visitors by first-touch channel, and who activated.

    :param activation: the event that marks an activated visitor (e.g. ``signed_up``).
    """
    if channel not in get_args(Channel):
        raise InvalidInput("channel", f"must be one of {', '.join(get_args(Channel))}")
    if not activation or len(activation) > 200:
        raise InvalidInput("activation", "must be an event name")
    p = printer_for(store.dialect, query.span.time_zone)
    rows = run(store, channel_conversion_sql(query, p, channel, activation))
    return tuple(ChannelConversion(str(v), int(n), int(done)) for v, n, done in rows)
