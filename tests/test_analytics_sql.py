"""The printed SQL of each query, for both dialects (snapshots), filters and their validation.

Snapshots live in tests/snapshots/analytics/; after a deliberate change to a query, rewrite
them with ``LAUNCHLOOP_UPDATE_SNAPSHOTS=1 pytest tests/test_analytics_sql.py`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from launchloop.analytics.filters import (
    EventSpec,
    PropertyRef,
    parse_event,
    parse_filter,
    parse_filters,
    property_ref,
)
from launchloop.analytics.funnel_sql import funnel_persons_sql, funnel_sql
from launchloop.analytics.funnels import FunnelExclusion, FunnelQuery, FunnelStep
from launchloop.analytics.lifecycle import ActivityQuery, lifecycle_sql, stickiness_sql
from launchloop.analytics.paths import PathsQuery, paths_sql
from launchloop.analytics.retention import RetentionQuery, retention_sql
from launchloop.analytics.sql import Compiled, printer_for
from launchloop.analytics.timeframe import DateRange
from launchloop.analytics.trends import TrendsQuery, trends_sql
from launchloop.errors import InvalidInput

SNAPSHOTS = Path(__file__).parent / "snapshots" / "analytics"
SPAN = DateRange(date(2026, 3, 23), date(2026, 4, 5), "Europe/Paris")
PRO = parse_filters([{"key": "plan", "operator": "=", "value": "pro", "type": "person"}])
CHROME = parse_filters(
    [{"key": "browser", "operator": "contains", "value": "chr", "type": "column"}]
)


def _print(name: str, dialect: str) -> Compiled:
    p = printer_for(dialect, SPAN.time_zone)
    steps = (FunnelStep("signed_up", PRO), FunnelStep("activated"), FunnelStep("paid"))
    funnel = FunnelQuery(
        1,
        SPAN,
        steps,
        86_400,
        exclusions=(FunnelExclusion("churned", 1, 2),),
        breakdown=PropertyRef("utm_source", "column"),
    )
    builders = {
        "trends": lambda: trends_sql(
            TrendsQuery(
                1,
                SPAN,
                "$pageview",
                "week",
                "unique",
                filters=CHROME,
                breakdown=PropertyRef("plan", "person"),
                breakdown_limit=5,
            ),
            p,
        ),
        "trends_sum": lambda: trends_sql(
            TrendsQuery(1, SPAN, "paid", "day", "sum", PropertyRef("amount")), p
        ),
        "funnel": lambda: funnel_sql(funnel, p),
        "funnel_strict": lambda: funnel_sql(
            FunnelQuery(1, SPAN, steps[1:], 3600, order="strict"), p
        ),
        "funnel_any": lambda: funnel_sql(FunnelQuery(1, SPAN, steps, 3600, order="any"), p),
        "funnel_dropped": lambda: funnel_persons_sql(funnel, p, 2, limit=50, offset=0),
        "funnel_dropped_native": lambda: funnel_persons_sql(
            FunnelQuery(1, SPAN, steps, 3600), p, 1, limit=10, offset=20
        ),
        "retention": lambda: retention_sql(
            RetentionQuery(1, SPAN, EventSpec("signed_up"), EventSpec(None, CHROME), "week", 4), p
        ),
        "lifecycle": lambda: lifecycle_sql(ActivityQuery(1, SPAN, EventSpec("used")), p),
        "stickiness": lambda: stickiness_sql(ActivityQuery(1, SPAN, EventSpec("used")), p),
        "paths": lambda: paths_sql(
            PathsQuery(1, SPAN, EventSpec("signed_up"), "before", 3, "page"), p
        ),
    }
    return builders[name]()


NAMES = [
    "trends",
    "trends_sum",
    "funnel",
    "funnel_strict",
    "funnel_any",
    "funnel_dropped",
    "funnel_dropped_native",
    "retention",
    "lifecycle",
    "stickiness",
    "paths",
]


@pytest.mark.parametrize("dialect", ["duckdb", "clickhouse"])
@pytest.mark.parametrize("name", NAMES)
def test_printed_sql_matches_snapshot(name: str, dialect: str) -> None:
    compiled = _print(name, dialect)
    text = f"{compiled.sql}\n-- params: {compiled.params!r}\n"
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    if os.environ.get("LAUNCHLOOP_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path.name}: run with LAUNCHLOOP_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text()


@pytest.mark.parametrize("name", NAMES)
def test_values_never_reach_the_sql_text(name: str) -> None:
    for dialect in ("duckdb", "clickhouse"):
        sql = _print(name, dialect).sql
        for value in ("pro", "chr", "signed_up", "churned", "amount", "plan"):
            assert f"'{value}'" not in sql


def test_duckdb_binds_numbered_and_clickhouse_named_typed_parameters() -> None:
    duck = _print("trends_sum", "duckdb")
    click = _print("trends_sum", "clickhouse")
    assert isinstance(duck.params, list) and "$1" in duck.sql and "?" not in duck.sql
    assert isinstance(click.params, dict) and "{p0:String}" in click.sql
    # the same values in the same order; DuckDB takes a JSON path where ClickHouse takes the key,
    # and ClickHouse binds the project id once more for its lookup of merged ids (inline_person)
    assert duck.params[0] == '$."amount"' and click.params["p0"] == "amount"
    values = list(click.params.values())[1:]
    values.remove(1)
    assert values == duck.params[1:]
    assert "person_distinct_ids WHERE project_id" in click.sql and "JOIN" not in click.sql
    assert click.sql.endswith("SETTINGS join_use_nulls = 1")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"key": 'plan") OR 1=1 --', "value": "x"}, "filters[0].key"),
        ({"key": "a\\b", "value": "x"}, "filters[0].key"),
        ({"key": "", "value": "x"}, "filters[0].key"),
        ({"key": "x", "value": "1", "operator": "drop table"}, "filters[0].operator"),
        ({"key": "x", "value": "abc", "operator": ">"}, "filters[0].value"),
        ({"key": "x", "value": None, "operator": "="}, "filters[0].value"),
        ({"key": "x", "value": "(", "operator": "regex"}, "filters[0].value"),
        ({"key": "url; DROP TABLE events", "type": "column", "value": "x"}, "filters[0].key"),
        ({"key": "plan", "type": "cohort", "value": "x"}, "filters[0].type"),
        ("plan = pro", "filters[0]"),
    ],
)
def test_malformed_filters_name_the_field(raw: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filters([raw])
    assert caught.value.field == field


def test_filters_accept_operator_aliases_and_numbers() -> None:
    assert parse_filter({"key": "n", "operator": ">=", "value": "3"}).operator == "gte"
    assert parse_filter({"key": "n", "operator": ">", "value": 3}).value == 3.0
    assert parse_filter({"key": "ok", "value": True}).value == "true"
    assert parse_filter({"key": "p", "operator": "is not set"}).operator == "not_set"
    with pytest.raises(InvalidInput):
        parse_filters({"key": "x"})  # type: ignore[arg-type]


def test_property_refs_and_event_specs_are_validated() -> None:
    assert property_ref("utm_source", "column") == PropertyRef("utm_source", "column")
    with pytest.raises(InvalidInput) as caught:
        property_ref("properties", "column", field="breakdown")
    assert caught.value.field == "breakdown.key"
    assert parse_event("signed_up", "start") == EventSpec("signed_up")
    with pytest.raises(InvalidInput) as caught:
        parse_event({"event": "", "filters": []}, "start")
    assert caught.value.field == "start.event"


def test_unknown_time_zone_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        DateRange(date(2026, 1, 1), date(2026, 1, 2), "Europe/Paris'; DROP")
    assert caught.value.field == "time_zone"
    with pytest.raises(InvalidInput) as caught:
        DateRange(date(2026, 1, 2), date(2026, 1, 1))
    assert caught.value.field == "date_to"
