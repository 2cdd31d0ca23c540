"""Friction hot spots: a page's share of friction against its share of sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from scipy import stats
from sqlalchemy.orm import Session

from launchloop.analytics.friction import FrictionSpot
from launchloop.analytics.kpis import Kpi
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import DetectionWindow
from launchloop.detect.friction_hotspot import (
    PageFriction,
    detect_hotspots,
    find_hotspots,
    page_friction,
)
from launchloop.knowledge.database import Database
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, write

WINDOW = DetectionWindow(date(2026, 11, 22), days=7, baseline_days=7)
KPI = Kpi("Sign-up", "funnel_conversion", events=("$pageview", "signup_started", "signup_done"))
BUTTON = "form#signup button[type=submit]"


def test_page_friction_sums_targets_and_keeps_the_top_one() -> None:
    spots = [
        FrictionSpot("rage_click", "/signup", BUTTON, 30, 20, 18),
        FrictionSpot("rage_click", "/signup", "a.logo", 2, 2, 2),
        FrictionSpot("error", "/signup", "TypeError", 5, 5, 5),
    ]
    pages = page_friction(spots, {"/signup": 80})
    rage = next(p for p in pages if p.kind == "rage_click")
    assert (rage.events, rage.persons, rage.top_target, rage.page_sessions) == (32, 20, BUTTON, 80)


def test_concentrated_friction_is_a_hot_spot_and_proportional_friction_is_not() -> None:
    # 1,000 sessions: /signup has 200 (20%) but 60 of the 80 rage clicks; /home has 800.
    pages = [
        PageFriction("rage_click", "/signup", 60, 55, BUTTON, 200),
        PageFriction("rage_click", "/home", 20, 20, "img", 800),
        PageFriction("dead_click", "/signup", 4, 4, "p", 200),
        PageFriction("dead_click", "/home", 16, 16, "p", 800),
    ]
    (found,) = detect_hotspots(pages, 1000, WINDOW.current, {"/signup": ["signup_started"]})
    assert found.kind == "friction_hotspot" and found.payload["path"] == "/signup"
    assert found.payload["p_value"] == pytest.approx(stats.poisson.sf(59, 80 * 0.2))
    assert found.payload["share_of_friction"] == pytest.approx(0.75)
    assert found.subjects == ("page:/signup", "step:signup_started")
    assert "60 rage clicks on /signup, mostly on form#signup" in found.text
    assert "75% of all rage clicks, while the page has 20% of page visits" in found.text
    assert "funnel step signup_started" in found.text


def session_events(number: int, path: str, rage: int) -> list[dict]:
    """A session that views ``path`` (and starts sign-up there), with ``rage`` rage clicks."""
    who, sid = f"p{number}", f"s{number}"
    at = f"2026-11-{16 + number % 7:02d}T09:{number % 60:02d}"
    props = {"$pathname": path, "$session_id": sid}
    events = [ev("$pageview", who, f"{at}:00", **props)]
    if path == "/signup":
        events.append(ev("signup_started", who, f"{at}:05", **props))
    events += [
        ev("$rageclick", who, f"{at}:{10 + k:02d}", **props, **{"$selector": BUTTON})
        for k in range(rage)
    ]
    return events


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A migrated knowledge database."""
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    with database.session() as opened:
        yield opened
    database.dispose()


def test_hot_spot_on_a_funnel_step_page_from_the_store(
    event_store: EventStore, session: Session
) -> None:
    # 100 sessions on /home with one rage click in every 10th; 25 on /signup, 20 of them angry.
    events = [e for n in range(100) for e in session_events(n, "/home", int(n % 10 == 0))]
    events += [e for n in range(100, 125) for e in session_events(n, "/signup", int(n < 120))]
    write(event_store, events)
    context = DetectionContext(event_store, session, PROJECT, WINDOW, kpis=(KPI,))
    (found,) = find_hotspots(context)
    assert found.payload["path"] == "/signup" and found.payload["events"] == 20
    assert found.payload["share_of_visits"] == pytest.approx(25 / 125)
    assert found.payload["funnel_steps"] == ["signup_started"]
    assert found.payload["target"] == BUTTON


def test_friction_spread_like_traffic_raises_nothing(
    event_store: EventStore, session: Session
) -> None:
    events = [e for n in range(100) for e in session_events(n, "/home", int(n % 5 == 0))]
    events += [e for n in range(100, 150) for e in session_events(n, "/signup", int(n % 5 == 0))]
    write(event_store, events)
    context = DetectionContext(event_store, session, PROJECT, WINDOW, kpis=(KPI,))
    assert find_hotspots(context) == []
