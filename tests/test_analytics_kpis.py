"""KPIs and launches on both stores, against numbers computed by hand from a small fixture."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from launchloop.analytics.catalog import load_catalog
from launchloop.analytics.filters import parse_filters
from launchloop.analytics.kpis import Kpi, evaluate_kpi, kpi_from_mapping, period_range
from launchloop.analytics.launches import Launch, compare_launch, launch_ranges
from launchloop.analytics.timeframe import DateRange
from launchloop.errors import InvalidInput, NotFound
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, identify, write

SPAN = DateRange(date(2026, 11, 10), date(2026, 11, 12))


def fixture_events() -> list[dict]:
    """Three days (the last one quiet but for u6), a previous period, a later day."""
    return [
        ev("signed_up", "u1", "2026-11-10T09:00:00", plan="pro"),
        ev("$pageview", "u1", "2026-11-10T09:01:00", **{"$session_id": "s1"}),
        ev("$pageview", "u2", "2026-11-10T10:00:00", **{"$session_id": "s2"}),
        ev("feature_used", "u2", "2026-11-10T10:01:00", **{"$session_id": "s2"}),
        ev("$rageclick", "u2", "2026-11-10T10:02:00", **{"$session_id": "s2"}),
        ev("$pageview", "anon-3", "2026-11-11T08:00:00", **{"$session_id": "s3"}),
        ev("signed_up", "anon-3", "2026-11-11T08:05:00", plan="free"),
        identify("u3", "anon-3", "2026-11-11T08:06:00"),
        ev("feature_used", "u3", "2026-11-11T08:07:00", **{"$session_id": "s3"}),
        ev("$exception", "u3", "2026-11-11T08:08:00", **{"$session_id": "s3"}),
        ev("$pageview", "u6", "2026-11-12T23:59:59", **{"$session_id": "s6"}),
        ev("$rageclick", "u6", "2026-11-12T12:00:00", **{"$session_id": "s6"}),
        ev("$rageclick", "u6", "2026-11-12T12:00:01", **{"$session_id": "s6"}),
        # previous period (2026-11-07 .. 2026-11-09)
        ev("signed_up", "u1", "2026-11-08T09:00:00", plan="pro"),
        ev("signed_up", "u4", "2026-11-08T10:00:00", plan="pro"),
        ev("$pageview", "u4", "2026-11-08T10:01:00", **{"$session_id": "s4"}),
        # after the period, and another project
        ev("signed_up", "u5", "2026-11-13T00:00:00"),
    ]


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    """Both stores, holding the fixture (and one event of another project)."""
    write(event_store, fixture_events())
    write(event_store, [ev("signed_up", "x", "2026-11-10T09:00:00")], project_id=PROJECT + 1)
    return event_store


def series(reading) -> list[float | None]:
    """The daily values of a reading."""
    return [point.value for point in reading.series]


def test_count_with_target(store: EventStore) -> None:
    kpi = Kpi("signups", "count", events=("signed_up",), target=3, owner_team="marketing")
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (2, 2)
    assert series(reading) == [1, 1, 0]
    assert [p.day for p in reading.series] == [
        date(2026, 11, 10),
        date(2026, 11, 11),
        date(2026, 11, 12),
    ]
    assert reading.target_gap == -1
    assert reading.on_target is False
    assert reading.change == 0


def test_count_with_filter(store: EventStore) -> None:
    filters = parse_filters([{"key": "plan", "operator": "=", "value": "pro"}])
    kpi = Kpi("pro signups", "count", events=("signed_up",), filters=filters)
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (1, 2)


def test_unique_counts_a_merged_person_once(store: EventStore) -> None:
    kpi = Kpi("active", "unique", events=("$pageview", "feature_used"))
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (4, 1)
    assert series(reading) == [2, 1, 1]


def test_ratio_of_events_and_of_persons(store: EventStore) -> None:
    events = Kpi("activation", "ratio", events=("feature_used",), denominator=("signed_up",))
    reading = evaluate_kpi(store, PROJECT, events, SPAN)
    assert (reading.value, reading.previous) == (1.0, 0.0)
    assert series(reading) == [1.0, 1.0, None]  # no sign-up on the 12th: no ratio
    persons = Kpi("views per signup", "ratio", ("$pageview",), ("signed_up",), math="unique")
    assert evaluate_kpi(store, PROJECT, persons, SPAN).value == 2.0


def test_adoption(store: EventStore) -> None:
    kpi = Kpi("feature adoption", "adoption", events=("feature_used",), target=0.4)
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (0.5, 0.0)
    assert series(reading) == [0.5, 1.0, 0.0]
    assert reading.on_target is True


def test_friction_rate_per_thousand_sessions(store: EventStore) -> None:
    kpi = Kpi("friction", "friction_rate", target=800, direction="down", owner_team="tech")
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (1000.0, 0.0)
    assert series(reading) == [500.0, 1000.0, 2000.0]
    assert reading.target_gap == 200
    assert reading.on_target is False


def test_days_follow_the_project_time_zone(event_store: EventStore) -> None:
    # 23:30 UTC on the 10th is 00:30 on the 11th in Paris (UTC+1 in November).
    write(event_store, [ev("signed_up", "u", "2026-11-10T23:30:00")])
    kpi = Kpi("signups", "count", events=("signed_up",))
    paris = evaluate_kpi(
        event_store, PROJECT, kpi, DateRange(date(2026, 11, 10), date(2026, 11, 11), "Europe/Paris")
    )
    utc = evaluate_kpi(event_store, PROJECT, kpi, DateRange(date(2026, 11, 10), date(2026, 11, 11)))
    assert series(paris) == [0, 1]
    assert series(utc) == [1, 0]


def test_empty_store_gives_zeros_and_unknown_ratios(event_store: EventStore) -> None:
    count = evaluate_kpi(event_store, PROJECT, Kpi("n", "count", events=("x",)), SPAN)
    assert (count.value, count.previous, series(count)) == (0, 0, [0, 0, 0])
    rate = evaluate_kpi(event_store, PROJECT, Kpi("f", "friction_rate"), SPAN)
    assert (rate.value, rate.previous, rate.target_gap) == (None, None, None)


def test_launch_before_and_after(store: EventStore) -> None:
    signups = Kpi("signups", "count", events=("signed_up",))
    friction = Kpi("friction", "friction_rate", direction="down")
    launch = Launch("onboarding v2", date(2026, 11, 10), ("signups", "friction"))
    result = compare_launch(
        store, PROJECT, launch, [signups, friction], days=3, today=date(2026, 11, 12)
    )
    assert (result.before.start, result.before.end) == (date(2026, 11, 7), date(2026, 11, 9))
    assert (result.after.start, result.after.end) == (date(2026, 11, 10), date(2026, 11, 12))
    first, second = result.kpis
    assert (first.before.value, first.after.value, first.change, first.improved) == (2, 2, 0, None)
    assert (second.before.value, second.after.value) == (0.0, 1000.0)
    assert second.improved is False  # friction went up
    assert second.relative_change is None  # from 0


def test_launch_ranges_are_equal_and_end_by_today() -> None:
    launch = Launch("l", date(2026, 11, 10))
    before, after = launch_ranges(launch, days=14, today=date(2026, 11, 11))
    assert (before.start, before.end, after.start, after.end) == (
        date(2026, 11, 8),
        date(2026, 11, 9),
        date(2026, 11, 10),
        date(2026, 11, 11),
    )
    with pytest.raises(InvalidInput) as error:
        launch_ranges(launch, days=14, today=date(2026, 11, 9))
    assert error.value.field == "date"


def test_launch_with_unknown_kpi(event_store: EventStore) -> None:
    launch = Launch("l", date(2026, 11, 10), ("nope",))
    with pytest.raises(NotFound):
        compare_launch(event_store, PROJECT, launch, [], today=date(2026, 11, 12))


def test_period_range() -> None:
    span = period_range("7d", until=date(2026, 11, 12), time_zone="Europe/Paris")
    assert (span.start, span.end, span.time_zone) == (
        date(2026, 11, 6),
        date(2026, 11, 12),
        "Europe/Paris",
    )
    assert period_range("2w", until=date(2026, 11, 12)).days == 14
    for bad in ("7", "0d", "d", "7y"):
        with pytest.raises(InvalidInput) as error:
            period_range(bad, until=date(2026, 11, 12))
        assert error.value.field == "period"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"name": "x", "kind": "nope", "events": ["a"]}, "kind"),
        ({"name": "x", "kind": "count"}, "events"),
        ({"name": "x", "kind": "ratio", "events": ["a"]}, "denominator"),
        ({"name": "x", "kind": "count", "events": ["a"], "direction": "sideways"}, "direction"),
        ({"name": "x", "kind": "count", "events": ["a"], "target": "high"}, "target"),
        ({"name": "", "kind": "count", "events": ["a"]}, "name"),
        ({"name": "x", "kind": "count", "events": ["a"], "colour": "red"}, "colour"),
        (
            {
                "name": "x",
                "kind": "count",
                "events": ["a"],
                "filters": [{"key": "a", "operator": "~"}],
            },
            "filters[0].operator",
        ),
        ({"name": "x", "kind": "funnel_conversion", "events": ["a"]}, "events"),
    ],
)
def test_bad_kpi_declarations_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        kpi_from_mapping(raw)
    assert error.value.field == field


def test_catalog_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "launchloop.toml"
    path.write_text(
        """
data_dir = "somewhere"

[[kpis]]
name = "signups"
kind = "count"
event = "signed_up"
owner = "marketing"
target = 120
filters = [{ key = "plan", operator = "=", value = "pro" }]

[[kpis]]
name = "friction"
kind = "friction_rate"
direction = "down"

[[launches]]
name = "onboarding v2"
date = 2026-11-10
kpis = ["signups", "friction"]
""",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    signups = catalog.kpi("signups")
    assert (signups.events, signups.owner_team, signups.target) == (
        ("signed_up",),
        "marketing",
        120.0,
    )
    assert signups.filters == parse_filters([{"key": "plan", "operator": "=", "value": "pro"}])
    assert catalog.kpi("friction").numerator_events == ("$rageclick", "$dead_click", "$exception")
    assert catalog.launch("onboarding v2").kpis == ("signups", "friction")
    assert catalog.launch("onboarding v2").date == date(2026, 11, 10)
    with pytest.raises(NotFound):
        catalog.kpi("nope")
    assert tomllib.loads(path.read_text())["data_dir"] == "somewhere"
    assert load_catalog(tmp_path / "missing.toml").kpis == ()


def test_funnel_conversion(store: EventStore) -> None:
    # u1 signs up and never uses the feature; anon-3 signs up, is identified as u3, uses it.
    kpi = Kpi(
        "signup to feature", "funnel_conversion", ("signed_up", "feature_used"), window_days=1
    )
    reading = evaluate_kpi(store, PROJECT, kpi, SPAN)
    assert (reading.value, reading.previous) == (0.5, 0.0)
    assert series(reading) == [0.0, 1.0, None]


def test_retention_at_day_n(event_store: EventStore) -> None:
    write(
        event_store,
        [
            ev("signed_up", "a", "2026-11-10T10:00:00"),
            ev("$pageview", "a", "2026-11-11T10:00:00"),
            ev("signed_up", "b", "2026-11-10T11:00:00"),
            ev("$pageview", "b", "2026-11-13T10:00:00"),  # not on day 1
            ev("signed_up", "c", "2026-11-11T10:00:00"),
            ev("$pageview", "c", "2026-11-12T22:00:00"),
            ev("signed_up", "d", "2026-11-12T10:00:00"),  # day 1 is after the period
            ev("signed_up", "e", "2026-11-05T10:00:00"),  # started before: in no cohort
            ev("signed_up", "e", "2026-11-10T10:00:00"),
            ev("$pageview", "e", "2026-11-11T10:00:00"),
            ev("signed_up", "f", "2026-11-08T10:00:00"),  # previous period
            ev("$pageview", "f", "2026-11-09T10:00:00"),
        ],
    )
    kpi = Kpi("day-1 retention", "retention", ("signed_up", "$pageview"), window_days=1)
    reading = evaluate_kpi(event_store, PROJECT, kpi, SPAN)
    assert reading.value == pytest.approx(2 / 3)
    assert reading.previous == 1.0
    assert series(reading) == [0.5, 1.0, None]


CATALOG = """
[[kpis]]
name = "signups"
kind = "count"
event = "signed_up"
owner = "marketing"
target = 3

[[kpis]]
name = "friction"
kind = "friction_rate"
direction = "down"

[[launches]]
name = "onboarding v2"
date = 2026-11-10
kpis = ["signups", "friction"]
"""


@pytest.fixture
def declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A launchloop.toml with CATALOG, named by LAUNCHLOOP_CONFIG (request it before ``server``)."""
    config = tmp_path / "launchloop.toml"
    config.write_text(CATALOG, encoding="utf-8")
    monkeypatch.setenv("LAUNCHLOOP_CONFIG", str(config))
    return config


def test_http_kpis_and_launch(declared: Path, server) -> None:
    """The server's start syncs launchloop.toml into the project; the API reads it back."""
    body = {"api_key": server.project.public_key, "events": fixture_events()}
    import httpx

    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 200
    with server.api() as api:
        listed = api.get("/api/v1/kpis").json()
        reading = api.get("/api/v1/kpis/signups", params={"period": "3d", "until": "2026-11-12"})
        compared = api.get(
            "/api/v1/launches/onboarding v2/comparison", params={"days": 3, "until": "2026-11-12"}
        )
        missing = api.get("/api/v1/kpis/nope")
        bad = api.get("/api/v1/kpis/signups", params={"period": "soon"})
        launches = api.get("/api/v1/launches").json()
    assert [(k["name"], k["owner_team"], k["launch"]) for k in listed] == [
        ("friction", "product", "onboarding v2"),
        ("signups", "marketing", "onboarding v2"),
    ]
    assert reading.status_code == 200
    got = reading.json()
    assert (got["value"], got["previous"], got["target_gap"], got["on_target"]) == (2, 2, -1, False)
    assert [p["value"] for p in got["series"]] == [1, 1, 0]
    assert compared.status_code == 200
    rows = {row["kpi"]: row for row in compared.json()["kpis"]}
    assert (
        rows["friction"]["before"],
        rows["friction"]["after"],
        rows["friction"]["improved"],
    ) == (0.0, 1000.0, False)
    assert missing.status_code == 404
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["period"]
    assert [{k: v for k, v in x.items() if k != "id"} for x in launches] == [
        {
            "name": "onboarding v2",
            "date": "2026-11-10",
            "kpis": ["friction", "signups"],
            "description": "",
            "hypotheses": [],
        }
    ]


def test_cli_kpi_list_eval_launch(settings, project, tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    from launchloop.store.base import open_store

    store = open_store(settings.resolved_events_url)
    write(store, fixture_events(), project_id=project.id)
    store.close()
    config = tmp_path / "launchloop.toml"
    config.write_text(CATALOG, encoding="utf-8")
    env = {
        **os.environ,
        "LAUNCHLOOP_DATA_DIR": str(settings.data_dir),
        "LAUNCHLOOP_CONFIG": str(config),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "launchloop", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    listed = cli("kpi", "list", "--json")
    assert [k["name"] for k in json.loads(listed.stdout)] == ["friction", "signups"]
    evaluated = cli("kpi", "eval", "friction", "--period", "3d", "--until", "2026-11-12", "--json")
    reading = json.loads(evaluated.stdout)
    assert (reading["value"], reading["previous"]) == (1000.0, 0.0)
    assert [p["value"] for p in reading["series"]] == [500.0, 1000.0, 2000.0]
    launch = cli("kpi", "launch", "onboarding v2", "--days", "3", "--until", "2026-11-12", "--json")
    assert json.loads(launch.stdout)["before"] == {
        "date_from": "2026-11-07",
        "date_to": "2026-11-09",
    }
    table = cli("kpi", "eval", "signups", "--period", "3d", "--until", "2026-11-12")
    assert table.returncode == 0 and "signups" in table.stdout
    unknown = cli("kpi", "eval", "nope")
    assert unknown.returncode == 2 and "nope" in unknown.stderr
