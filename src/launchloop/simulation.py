"""Simulated launches with known injected effects, shared by ``launchloop demo``, the detectors'
tests and ``benchmarks/detect.py`` (issue 8, "Tests with known truth").

From an effect day on, one browser's sign-up completion falls (15 points in the scenarios), its
sessions rage-click the sign-up button, and a new theme of support tickets about that button
appears; around them: weekly seasonality in traffic, background rage clicks spread like
traffic, a steady theme of tickets, and a "Help views" KPI that only wobbles (Poisson counts).
What a detector should find is known; anything else it reports is a false alarm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.detect.findings import DetectionWindow
from launchloop.feedback.items import add_items
from launchloop.ingest.pipeline import prepare
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import FeedbackItem, Theme
from launchloop.knowledge.roles import Caller
from launchloop.store.base import EventStore

SITE = "https://app.example.com"
SOURCE = "simulation"
BUTTON = "form#signup button[type=submit]"
END = date(2026, 11, 22)  # a Sunday
DAYS = 35
BROWSERS = (("Chrome", 0.55), ("Safari", 0.25), ("Firefox", 0.20))
DEVICES = (("Desktop", 0.65), ("Mobile", 0.35))
SOURCES = (("google", 0.4), ("newsletter", 0.2), (None, 0.4))
WEEKDAY_TRAFFIC = (1.0, 1.0, 1.0, 0.95, 0.9, 0.6, 0.55)
COMPLETION = 0.75
BACKGROUND_RAGE = 0.03
KPIS: tuple[dict[str, Any], ...] = (
    {"name": "Sign-up conversion", "kind": "funnel_conversion", "owner_team": "marketing",
     "events": ["$pageview", "signup_started", "signup_completed"]},
    {"name": "Help views", "kind": "count", "events": ["help_opened"], "owner_team": "support"},
)  # fmt: skip
#: The two themes of tickets: (name, distinctive words, texts, page).
STEADY_THEME = ("slow export", ["export", "csv", "slow"],
                ("Export to CSV takes ages", "The CSV export is so slow",
                 "Exporting my report to CSV never ends"), f"{SITE}/reports")  # fmt: skip
NEW_THEME = ("create account button does nothing", ["create", "account", "button"],
             ("I click Create account and nothing happens",
              "The create account button does nothing", "Create account button is not working"),
             f"{SITE}/signup")  # fmt: skip


@dataclass(frozen=True)
class InjectedEffects:
    """What goes wrong, for whom and from when: the known truth a detector should find."""

    browser: str
    effect_day: date
    #: How far the browser's sign-up completion falls (a share: 0.15 is 15 points).
    completion_fall: float = 0.15
    #: The share of its sign-ups that rage-click the submit button.
    rage_click_rate: float = 0.5
    #: New tickets a day about the button.
    tickets_per_day: float = 3.0

    def hits(self, browser: str, day: date) -> bool:
        """Whether a visitor on ``browser`` on ``day`` meets the problem."""
        return browser == self.browser and day >= self.effect_day


@dataclass(frozen=True)
class Scenario:
    """One seeded scenario: its effects, its traffic, and the window to read."""

    seed: int
    effects: InjectedEffects
    visitors_per_day: int = 300

    @property
    def browser(self) -> str:
        """The browser whose sign-ups fall."""
        return self.effects.browser

    @property
    def window(self) -> DetectionWindow:
        """The last 7 days (the effect's days) after a 28-day baseline."""
        return DetectionWindow(END, days=7, baseline_days=28)


def scenario(seed: int) -> Scenario:
    """The scenario of ``seed``: which browser falls is drawn too."""
    rng = random.Random(seed)
    browser = rng.choice([b for b, _ in BROWSERS])
    return Scenario(seed, InjectedEffects(browser, END - timedelta(days=6)))


def pick(rng: random.Random, options: tuple[tuple[Any, float], ...]) -> Any:
    """One option, drawn by its weight."""
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def poisson(rng: random.Random, mean: float) -> int:
    """A count of mean ``mean`` (a binomial of 4 x mean draws at 1/4: close to Poisson)."""
    return sum(1 for _ in range(int(mean * 4)) if rng.random() < 0.25)


def events_of(case: Scenario) -> list[dict[str, Any]]:
    """Every event of the scenario, in time order per visitor."""
    rng, events = random.Random(case.seed), []
    first = END - timedelta(days=DAYS - 1)
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        count = round(case.visitors_per_day * WEEKDAY_TRAFFIC[day.weekday()])
        for n in range(count):
            events += _visitor(rng, case.effects, day, f"{day}-{n}")
        for n in range(poisson(rng, 30 * WEEKDAY_TRAFFIC[day.weekday()])):
            events.append(_event(rng, "help_opened", f"helper-{n % 50}", day, "/help", {}))
    return events


def _event(
    rng: random.Random, name: str, who: str, day: date, path: str, props: dict[str, Any]
) -> dict[str, Any]:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.uniform(0, 86_000)
    )
    return {
        "uuid": f"{who}-{name}-{rng.getrandbits(48):x}",
        "event": name,
        "distinct_id": who,
        "timestamp": moment.isoformat(),
        "properties": {**props, "$pathname": path},
    }


def _visitor(
    rng: random.Random, effects: InjectedEffects, day: date, who: str
) -> list[dict[str, Any]]:
    browser, device, source = pick(rng, BROWSERS), pick(rng, DEVICES), pick(rng, SOURCES)
    props = {"$browser": browser, "$device_type": device, "$session_id": f"s-{who}"}
    if source:
        props["utm_source"] = source
    start = _event(rng, "$pageview", who, day, "/", props)
    out = [start]
    if rng.random() < BACKGROUND_RAGE:
        out.append(_event(rng, "$rageclick", who, day, "/", props | {"$selector": "nav a"}))
    if rng.random() < 0.5:
        return _stamped(out, start)
    out.append(_event(rng, "$pageview", who, day, "/signup", props))
    out.append(_event(rng, "signup_started", who, day, "/signup", props))
    hit = effects.hits(browser, day)
    if rng.random() < (effects.rage_click_rate if hit else BACKGROUND_RAGE):
        out.append(_event(rng, "$rageclick", who, day, "/signup", props | {"$selector": BUTTON}))
    if rng.random() < COMPLETION - (effects.completion_fall if hit else 0.0):
        out.append(_event(rng, "signup_completed", who, day, "/signup", props))
    return _stamped(out, start)


def _stamped(events: list[dict[str, Any]], start: dict[str, Any]) -> list[dict[str, Any]]:
    """The visitor's events a few seconds apart from the first one, in order."""
    moment = datetime.fromisoformat(start["timestamp"])
    for i, event in enumerate(events):
        event["timestamp"] = (moment + timedelta(seconds=10 * i)).isoformat()
    return events


@dataclass(frozen=True)
class Ticket:
    """A simulated support ticket and the theme it belongs to (``steady`` or ``new``)."""

    theme: str
    row: dict[str, Any]


def tickets_of(
    effects: InjectedEffects, first: date, last: date, seed: int, *, steady_per_day: float = 1.0
) -> list[Ticket]:
    """Support tickets from ``first`` to ``last``: a steady theme every day, and the new theme
    about the broken button from the effect day on (``effects.tickets_per_day`` a day)."""
    rng, tickets = random.Random(seed), []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for n in range(poisson(rng, steady_per_day)):
            tickets.append(Ticket("steady", _ticket(rng, STEADY_THEME, day, f"steady-{day}-{n}")))
        if day >= effects.effect_day:
            for n in range(poisson(rng, effects.tickets_per_day)):
                tickets.append(Ticket("new", _ticket(rng, NEW_THEME, day, f"new-{day}-{n}")))
    return tickets


def _ticket(rng: random.Random, theme: tuple[Any, ...], day: date, key: str) -> dict[str, Any]:
    _, _, texts, page = theme
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return {
        "kind": "support_ticket", "text": rng.choice(texts), "page": page,
        "observed_at": moment.isoformat(), "external_id": f"sim-{key}",
    }  # fmt: skip


def seed_tickets(session: Session, project_id: int, tickets: list[Ticket]) -> dict[str, int]:
    """Store ``tickets`` as feedback items (once: their external ids make a re-run store
    nothing), grouped in their two themes as theme detection would; the themes' ids."""
    add_items(session, project_id=project_id, rows=[t.row for t in tickets], source=SOURCE)
    themes = {}
    for label, (name, words, texts, _) in (("steady", STEADY_THEME), ("new", NEW_THEME)):
        theme = Theme(project_id=project_id, name=name, words=words, size=0,
                      quotes=[{"text": texts[0]}])  # fmt: skip
        session.add(theme)
        session.flush()
        themes[label] = theme.id
    labels = {str(t.row["external_id"]): t.theme for t in tickets}
    query = select(FeedbackItem).where(
        FeedbackItem.project_id == project_id, FeedbackItem.source == SOURCE
    )
    for item in session.scalars(query):
        if item.external_id in labels and item.theme_id is None:
            item.theme_id = themes[labels[item.external_id]]
    for label, theme_id in themes.items():
        session.get_one(Theme, theme_id).size = sum(v == label for v in labels.values())
    session.flush()
    return themes


def write_events(store: EventStore, events: list[dict[str, Any]], project_id: int) -> int:
    """Validate and store canonical ``events`` as one batch; how many were stored."""
    prepared = prepare(events, project_id=project_id, max_event_bytes=100_000)
    store.write(prepared.batch)
    return len(events) - len(prepared.rejections)


def seed_scenario(case: Scenario, store: EventStore, session: Session, project_id: int) -> int:
    """Write the events, KPIs, themes and tickets of ``case``; returns the new theme's id."""
    write_events(store, events_of(case), project_id)
    caller = Caller(project_id, "admin", "scenario")
    for kpi in KPIS:
        create_kpi(session, caller, kpi)
    first = END - timedelta(days=DAYS - 1)
    themes = seed_tickets(session, project_id, tickets_of(case.effects, first, END, case.seed + 1))
    return themes["new"]
