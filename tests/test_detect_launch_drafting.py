"""Launch watch on events in both stores, and the grouping and wording of draft insights."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from launchloop.analytics.kpis import Kpi
from launchloop.analytics.launches import Launch
from launchloop.detect.context import DetectionContext
from launchloop.detect.drafting import (
    draft_statement,
    group_signals,
    group_tag,
    lead_of,
    quotes_of,
)
from launchloop.detect.findings import DetectionWindow, distinct_quotes
from launchloop.detect.launch_watch import find_launch_moves
from launchloop.detect.wording import MAX_SENTENCE, headline
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import Signal
from launchloop.store.base import EventStore
from tests.analytics_events import PROJECT, ev, write

LAUNCH_DAY = date(2026, 11, 16)
EXPORTS = Kpi("Exports", "count", events=("report_exported",), owner_team="product")
VIEWS = Kpi("Views", "count", events=("dashboard_viewed",))


def daily_events(name: str, first: date, days: int, per_day: int) -> list[dict]:
    """``per_day`` events named ``name`` on each of ``days`` days from ``first``."""
    return [
        ev(name, f"p{n}", f"{first + timedelta(days=d)}T{8 + n % 10:02d}:{n % 60:02d}:00")
        for d in range(days)
        for n in range(per_day)
    ]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A migrated knowledge database."""
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    database.migrate()
    with database.session() as opened:
        yield opened
    database.dispose()


def test_launch_watch_reports_the_kpi_that_moved_with_every_kpi_compared(
    event_store: EventStore, session: Session
) -> None:
    before = LAUNCH_DAY - timedelta(days=28)
    events = daily_events("report_exported", before, 28, 20)
    events += daily_events("report_exported", LAUNCH_DAY, 7, 40)
    events += daily_events("dashboard_viewed", before, 35, 30)
    write(event_store, events)
    launch = Launch("Reports", LAUNCH_DAY, ("Exports", "Views"))
    window = DetectionWindow(LAUNCH_DAY + timedelta(days=6), days=7, baseline_days=28)
    context = DetectionContext(
        event_store, session, PROJECT, window, kpis=(EXPORTS, VIEWS), launches=(launch,),
        launch_ids={"Reports": 5},
    )  # fmt: skip
    (found,) = find_launch_moves(context)
    assert found.kind == "kpi_moved" and found.kpi == "Exports" and found.launch_id == 5
    table = {row["kpi"]: row for row in found.payload["launch_kpis"]}
    assert (table["Exports"]["before"], table["Exports"]["after"]) == (20.0, 40.0)
    assert (table["Views"]["before"], table["Views"]["after"], table["Views"]["z"]) == (
        30.0, 30.0, 0.0,
    )  # fmt: skip
    assert "Since the launch of Reports on 2026-11-16, Exports rose" in found.text
    # A launch older than the watch is left alone.
    old = DetectionWindow(LAUNCH_DAY + timedelta(days=40), days=7, baseline_days=28)
    context.window = old
    assert find_launch_moves(context) == []


def signal(sid: int, kind: str, text: str, *subjects: str, p: float = 0.001) -> Signal:
    """A detected signal (not stored: drafting's grouping reads its fields only)."""
    return Signal(id=sid, kind=kind, text=text, payload={"subjects": list(subjects), "p_value": p})


def test_signals_about_the_same_step_or_page_are_one_draft() -> None:
    drop = signal(1, "funnel_drop", "37% went on at sign-up, against 62% before",
                  "kpi:Sign-up", "step:signup_completed", "step:$pageview")  # fmt: skip
    other_drop = signal(2, "funnel_drop", "Mobile lags at pricing", "kpi:Sign-up", p=1e-9)
    spot = signal(3, "friction_hotspot", "412 rage clicks on /signup",
                  "page:/signup", "step:signup_completed")  # fmt: skip
    theme = signal(4, "theme_surge", '18 tickets about "button does nothing"',
                   "theme:7", "page:/signup")  # fmt: skip
    apart = signal(5, "friction_hotspot", "errors on /reports", "page:/reports")
    noise = signal(6, "kpi_moved", "Views rose", "kpi:Views", "step:$pageview")
    groups = group_signals([drop, other_drop, spot, theme, apart, noise])
    assert [[s.id for s in g] for g in groups] == [[1, 2, 3, 4], [5], [6]]
    # The drop that other kinds corroborate leads, though the other one is more significant.
    assert lead_of(groups[0]) is drop
    assert draft_statement(groups[0]) == (
        "37% went on at sign-up, against 62% before; 412 rage clicks on /signup and "
        '18 tickets about "button does nothing" point at the same step.'
    )
    assert group_tag(groups[0]) == "detect:step:signup_completed"
    assert group_tag(groups[1]) == "detect:page:/reports"


def test_a_crowded_group_is_stated_in_one_short_sentence() -> None:
    details = "; ".join(f"segment {n} carries {n}% of the loss" for n in range(30))
    drop = signal(1, "funnel_drop",
                  "Sign-up: 42% of browser Safari persons went from signup_started to "
                  "signup_completed over 2026-11-11..2026-11-24, against 73% over the 14 days "
                  f"before (p = 2.1e-06; exact); {details}", "step:signup_completed")  # fmt: skip
    others = [
        signal(n, kind, f"{n} things about the same step over 2026-11-11..2026-11-24 "
               f"(shares; more); {details}", "step:signup_completed")
        for n, kind in enumerate(("friction_hotspot", "theme_surge", "kpi_moved",
                                  "kpi_off_target", "observation"), start=2)
    ]  # fmt: skip
    said = draft_statement([drop, *others])
    # Corroborations in their order while they fit: friction, theme, KPI move (not 5 and 6).
    assert said == (
        "Sign-up: 42% of browser Safari persons went from signup_started to signup_completed, "
        "against 73% over the 14 days before; 2 things about the same step, 3 things about the "
        "same step and 4 things about the same step point at the same step."
    )
    assert len(said) <= MAX_SENTENCE
    assert "(" not in said and "2026-11" not in said and said.count(";") == 1
    endless = signal(9, "funnel_drop", "word " * 200, "step:x")
    alone = draft_statement([endless])
    assert len(alone) <= MAX_SENTENCE and alone.endswith("….")
    assert headline('38 items (a new theme; 34% negative): "quote; with" words') == "38 items"


def test_the_same_quote_is_cited_once() -> None:
    surge = signal(1, "theme_surge", "surge", "theme:7")
    surge.payload["quotes"] = ["Nothing happens", "The button  does nothing", "Nothing happens"]
    drop = signal(2, "funnel_drop", "drop", "theme:7")
    drop.payload["dropped_feedback"] = {"quotes": ["The button does nothing", "Too slow"]}
    assert quotes_of([surge, drop]) == ["Nothing happens", "The button does nothing", "Too slow"]
    texts = ["same words", None, "  same   words ", "", "other", "third", "fourth"]
    assert distinct_quotes(texts) == ("same words", "other", "third")
