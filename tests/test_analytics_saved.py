"""Saved queries (analytics/saved.py): each kind's headline figure, on both stores, by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from launchloop.analytics.saved import run_saved_query, saved_span
from launchloop.errors import InvalidInput
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, write

TODAY = date(2026, 11, 12)
DAYS = {"date_from": "2026-11-10", "date_to": "2026-11-12"}


def _events() -> list[dict[str, Any]]:
    """Four persons start the form on the 10th; a and b submit it on the 11th; c is out of range.

    a has one page view (session s1, with a rage click), b two (session s2); b buys twice.
    """
    started = [ev("form_started", p, "2026-11-10T09:00:00") for p in "abcd"]
    submitted = [ev("form_submitted", p, "2026-11-11T09:00:00") for p in "ab"]
    return [
        *started,
        *submitted,
        ev("form_submitted", "c", "2026-11-14T09:00:00"),  # after the range
        ev("$pageview", "a", "2026-11-10T10:00:00", **{"$session_id": "s1"}),
        ev("$rageclick", "a", "2026-11-10T10:01:00", **{"$session_id": "s1"}),
        ev("$pageview", "b", "2026-11-10T11:00:00", **{"$session_id": "s2"}),
        ev("$pageview", "b", "2026-11-10T11:02:00", **{"$session_id": "s2"}),
        ev("purchase", "b", "2026-11-11T12:00:00", amount=10),
        ev("purchase", "b", "2026-11-12T12:00:00", amount=5.5),
    ]


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Both engines with :func:`_events`."""
    write(event_store, _events())
    return event_store


def _run(store: EventStore, spec: dict[str, Any]) -> Any:
    return run_saved_query(store, PROJECT, spec, today=TODAY)


FUNNEL = {"kind": "funnel", "steps": ["form_started", {"event": "form_submitted"}]}


@pytest.mark.parametrize(
    ("spec", "value", "label"),
    [
        (FUNNEL, 2 / 4, "funnel conversion"),
        (FUNNEL | {"measure": "drop_off"}, 1 - 2 / 4, "funnel drop_off"),
        ({"kind": "trend", "event": "form_started"}, 4.0, "count of form_started"),
        (
            {"kind": "trend", "event": "purchase", "math": "sum", "math_property": "amount"},
            15.5,
            "sum of purchase",
        ),
        (
            {
                "kind": "retention",
                "start": "form_started",
                "returning": "form_submitted",
                "interval": "day",
            },
            2 / 4,
            "retention at day 1",
        ),
        (
            {"kind": "kpi", "kpi": {"name": "starters", "kind": "unique", "event": "form_started"}},
            4.0,
            "starters",
        ),
        ({"kind": "web"}, 2.0, "visitors"),
        ({"kind": "web", "measure": "page_views"}, 3.0, "page_views"),
        ({"kind": "friction"}, 1000 * 1 / 2, "friction per 1,000 sessions"),
        ({"kind": "friction", "measure": "rage_clicks"}, 1.0, "rage_clicks"),
    ],
)
def test_each_kind_gives_its_headline_figure(
    store: EventStore, spec: dict[str, Any], value: float, label: str
) -> None:
    fixed = _run(store, spec | DAYS)
    rolling = _run(store, spec | {"period": "3d"})  # the 3 days ending on TODAY: the same days
    assert fixed.value == pytest.approx(value)
    assert (fixed.label, rolling.value) == (label, fixed.value)


def test_a_funnel_nobody_entered_has_no_figure(store: EventStore) -> None:
    spec = {"kind": "funnel", "steps": ["never_sent", "form_submitted"]} | DAYS
    assert _run(store, spec).value is None


def test_the_days_default_to_28_ending_today_in_the_given_zone() -> None:
    span = saved_span({"kind": "web"}, today=TODAY, time_zone="Europe/Paris")
    assert (span.start, span.end, span.time_zone) == (date(2026, 10, 16), TODAY, "Europe/Paris")
    later = saved_span({"period": "1w", "until": "2026-11-30"}, today=TODAY, time_zone="UTC")
    assert (later.start, later.end) == (date(2026, 11, 24), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"steps": ["a", "b"]}, "query.kind"),
        ({"kind": "sql", "text": "DROP TABLE events"}, "query.kind"),
        ({"kind": "funnel", "steps": ["a"]}, "query.steps"),
        ({"kind": "funnel", "steps": ["a", {"filters": []}]}, "query.steps[1].event"),
        ({"kind": "funnel", "steps": ["a", "b"], "window_seconds": "1d"}, "query.window_seconds"),
        ({"kind": "funnel", "steps": ["a", "b"], "measure": "speed"}, "query.measure"),
        ({"kind": "funnel", "steps": ["a", "b"], "date_from": "soon"}, "query.date_from"),
        ({"kind": "trend", "math": "unique"}, "query.math"),
        ({"kind": "retention", "start": "a", "returning": "b", "period_n": 0}, "query.period_n"),
        ({"kind": "kpi", "kpi": {"name": "k", "kind": "funnel_conversion"}}, "query.kpi.events"),
        ({"kind": "kpi"}, "query.kpi"),
        ({"kind": "web", "measure": "revenue"}, "query.measure"),
        ({"kind": "friction", "filters": [{"key": 'a"b', "value": 1}]}, "query.filters[0].key"),
        ({"kind": "web", "period": "forever"}, "period"),
    ],
)
def test_a_malformed_saved_query_names_its_field(
    store: EventStore, spec: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _run(store, spec)
    assert refused.value.field == field
