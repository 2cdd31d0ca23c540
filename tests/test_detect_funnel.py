"""Funnel step drops on events written into both stores: found, localized, and not invented."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from launchloop.analytics.kpis import Kpi
from launchloop.detect.context import DetectionContext
from launchloop.detect.findings import DetectionWindow
from launchloop.detect.funnel_drop import (
    FunnelSnapshot,
    SegmentCounts,
    detect_funnel_drops,
    find_funnel_drops,
    localize,
)
from launchloop.knowledge.database import Database
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, write

PREVIOUS_WEEK, CURRENT_WEEK = date(2026, 11, 9), date(2026, 11, 16)
WINDOW = DetectionWindow(date(2026, 11, 22), days=7, baseline_days=7)
KPI = Kpi(
    "Sign-up conversion",
    "funnel_conversion",
    events=("$pageview", "signup_started", "signup_completed"),
    owner_team="marketing",
)
BROWSERS, DEVICES = ("Chrome", "Safari", "Firefox"), ("Desktop", "Mobile")


def week_of_events(first: date, safari_rate: float, persons: int = 300) -> list[dict]:
    """Persons through a sign-up funnel; 80% complete, Safari at ``safari_rate``."""
    events = []
    for i in range(persons):
        browser, device = BROWSERS[i % 3], DEVICES[(i // 3) % 2]
        rank = (i // 6) % 10  # 0..9 within each browser x device cell: exact shares
        rate = safari_rate if browser == "Safari" else 0.8
        who, day = f"{first}-p{i}", first + timedelta(days=i % 7)
        props = {"$browser": browser, "$device_type": device, "$pathname": "/signup"}
        at = f"{day.isoformat()}T10:{i % 60:02d}"
        events.append(ev("$pageview", who, f"{at}:00", **props))
        events.append(ev("signup_started", who, f"{at}:10", **props))
        if rank < round(rate * 10):
            events.append(ev("signup_completed", who, f"{at}:40", **props))
    return events


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A migrated knowledge database (the context carries a session; funnels do not use it)."""
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    with database.session() as opened:
        yield opened
    database.dispose()


def test_a_fall_for_one_browser_is_found_and_localized(
    event_store: EventStore, session: Session
) -> None:
    write(event_store, week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3))
    context = DetectionContext(event_store, session, PROJECT, WINDOW, kpis=(KPI,))
    (found,) = find_funnel_drops(context)
    payload = found.payload
    assert payload["mode"] == "fell" and payload["step"] == 3
    assert payload["to_event"] == "signup_completed"
    # By hand: 300 started in each week; 240 completed before, 80 + 80 + 30 = 190 now.
    assert (payload["entered"], payload["converted"]) == (300, 190)
    assert payload["rate_before"] == pytest.approx(240 / 300)
    top = payload["segments"][0]
    assert (top["dimension"], top["value"]) == ("browser", "Safari")
    assert (top["rate"], top["rate_compared"]) == (pytest.approx(0.3), pytest.approx(0.8))
    assert top["share_of_loss"] == pytest.approx(1.0)  # all 50 persons lost were on Safari
    assert top["persons_lost"] == pytest.approx(50)
    assert "segment:browser=Safari" in found.subjects
    assert "browser Safari carries 100% of the loss with 33% of the persons" in found.text
    assert "63% of persons went from signup_started to signup_completed" in found.text


def test_a_steady_funnel_raises_nothing(event_store: EventStore, session: Session) -> None:
    write(event_store, week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.8))
    context = DetectionContext(event_store, session, PROJECT, WINDOW, kpis=(KPI,))
    assert find_funnel_drops(context) == []


def test_a_lasting_gap_is_reported_as_a_segment_gap(
    event_store: EventStore, session: Session
) -> None:
    write(event_store, week_of_events(PREVIOUS_WEEK, 0.3) + week_of_events(CURRENT_WEEK, 0.3))
    context = DetectionContext(event_store, session, PROJECT, WINDOW, kpis=(KPI,))
    (found,) = find_funnel_drops(context)
    assert found.payload["mode"] == "segment_gap"
    seg = found.payload["segments"][0]
    assert (seg["dimension"], seg["value"], seg["entered"], seg["converted"]) == (
        "browser", "Safari", 100, 30,
    )  # fmt: skip
    assert found.payload["rate_others"] == pytest.approx(0.8)
    assert "30% of browser Safari persons" in found.text and "80% of the others" in found.text


def snapshot(current: tuple[int, ...], previous: tuple[int, ...], *segments: SegmentCounts):
    """A two-step funnel snapshot over the window."""
    kpi = Kpi("Activation", "funnel_conversion", events=("a", "b"))
    return FunnelSnapshot(kpi, WINDOW.current, current, previous, segments)


def test_localization_ranks_the_disproportionate_segment_first() -> None:
    # Mobile: 100 persons, 70% -> 40%; desktop: 300 persons, 70% -> 65%.
    mobile = SegmentCounts("device", "Mobile", (100, 40), (100, 70))
    desktop = SegmentCounts("device", "Desktop", (300, 195), (300, 210))
    found = localize(snapshot((400, 235), (400, 280), mobile, desktop), 1)
    assert [c.segment.value for c in found] == ["Mobile", "Desktop"]
    assert found[0].lost == pytest.approx(30) and found[1].lost == pytest.approx(15)
    assert found[0].share_of_loss == pytest.approx(30 / 45)
    assert found[0].share_of_persons == pytest.approx(0.25)


def test_too_few_persons_is_no_finding() -> None:
    assert detect_funnel_drops(snapshot((15, 1), (15, 14))) == []
