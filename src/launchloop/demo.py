"""A simulated launch: a sign-up funnel, a new feature shipped mid-way, frictions, identities.

Used by ``launchloop demo`` and by tests that need a realistic project. Deterministic: the same
seed gives the same events (uuids included), so seeding twice stores nothing twice. From the
launch day on, the injected effects of ``launchloop.simulation`` hit Safari: its sign-ups fall,
rage-click the submit button, and support tickets about that button appear (issue 8).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from launchloop.ingest.pipeline import prepare
from launchloop.ingest.writer import GroupWriter
from launchloop.knowledge.projects import create_project, create_token, list_projects
from launchloop.runtime import Runtime
from launchloop.simulation import SOURCE, InjectedEffects, seed_tickets, tickets_of

CHANNELS = (
    ("google", "cpc", "spring_launch", 0.35),
    ("newsletter", "email", "spring_launch", 0.20),
    ("linkedin", "social", "spring_launch", 0.15),
    (None, None, None, 0.30),
)
BROWSERS = (("Chrome", 0.6), ("Safari", 0.25), ("Firefox", 0.15))
DEVICES = (("Desktop", 0.65), ("Mobile", 0.35))
SITE = "https://app.example.com"
#: Completion of the sign-ups that no problem hits.
COMPLETION = 0.75


@dataclass(frozen=True)
class DemoLaunch:
    """What the simulation ships: the launch date and the feature it introduced."""

    start: datetime
    launch_date: datetime
    days: int
    feature_event: str = "report_exported"

    @property
    def effects(self) -> InjectedEffects:
        """What breaks on the launch day: Safari's sign-up button (30 points fewer sign-ups)."""
        return InjectedEffects(
            "Safari", self.launch_date.date(), completion_fall=0.3, rage_click_rate=0.6
        )


def _pick(rng: random.Random, options: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(options, weights=[o[-1] for o in options])[0]


def simulate(persons: int = 1500, days: int = 28, seed: int = 7) -> tuple[DemoLaunch, list[dict]]:
    """Canonical events of ``persons`` visitors over ``days`` days ending today (UTC midnight)."""
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    launch = DemoLaunch(start, start + timedelta(days=days // 2), days)
    rng = random.Random(seed)
    events = [e for number in range(persons) for e in _visitor(rng, number, launch)]
    events.sort(key=lambda e: e["timestamp"])
    return launch, events


def _visitor(rng: random.Random, number: int, launch: DemoLaunch) -> Iterator[dict]:
    anon = f"anon-{number:05d}"
    source, medium, campaign, _ = _pick(rng, CHANNELS)
    browser, device = _pick(rng, BROWSERS)[0], _pick(rng, DEVICES)[0]
    moment = launch.start + timedelta(seconds=rng.uniform(0, launch.days * 86_400 * 0.9))
    session = f"s-{number:05d}-0"
    base = {"$browser": browser, "$device_type": device, "$os": "Mac OS X", "$session_id": session}
    query = f"?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}" if source else ""

    def event(name: str, distinct_id: str, seconds: float, **props: Any) -> dict:
        nonlocal moment
        moment += timedelta(seconds=seconds)
        return {
            "event": name,
            "distinct_id": distinct_id,
            "timestamp": moment.isoformat(),
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "properties": {**base, **props},
        }

    yield event("$pageview", anon, 0, **{"$current_url": f"{SITE}/{query}", "$pathname": "/"})
    if rng.random() > 0.55:
        return
    yield event("$pageview", anon, rng.uniform(5, 60), **_page("/signup"))
    yield event("signup_started", anon, rng.uniform(5, 30), **_page("/signup"))
    # From the launch, the submit button gives no visual feedback on Safari: rage clicks, then
    # many leave (as many as make completion fall by the effect's points).
    effects = launch.effects
    if effects.hits(browser, moment.date()) and rng.random() < effects.rage_click_rate:
        yield event("$rageclick", anon, rng.uniform(2, 10), **_page("/signup"), **_button())
        if rng.random() < effects.completion_fall / (COMPLETION * effects.rage_click_rate):
            yield event("$form_abandoned", anon, rng.uniform(5, 20), **_page("/signup"))
            return
    if rng.random() < 1 - COMPLETION:
        return
    user = f"user-{number:05d}"
    yield event("signup_completed", anon, rng.uniform(10, 90), **_page("/signup"))
    yield event("$identify", user, 1, **{"$anon_distinct_id": anon, "$set": {"plan": "free"}})
    yield from _usage(rng, user, event, launch, moment)


def _usage(rng: random.Random, user: str, event: Any, launch: DemoLaunch, moment: datetime):
    for day in range(rng.randint(0, 10)):
        gap = rng.uniform(0.5, 4) * 86_400
        if moment + timedelta(seconds=gap) >= launch.start + timedelta(days=launch.days):
            return
        yield event("$pageview", user, gap, **_page("/dashboard"))
        yield event("dashboard_viewed", user, 2, **_page("/dashboard"))
        after_launch = moment + timedelta(seconds=gap) >= launch.launch_date
        if after_launch and rng.random() < 0.4:
            yield event(launch.feature_event, user, rng.uniform(10, 120), **_page("/reports"))
        if rng.random() < 0.05:
            yield event(
                "$exception", user, 5, **_page("/reports"), **{"$exception_message": "timeout"}
            )
        moment += timedelta(seconds=gap)
        if day == 2 and rng.random() < 0.3:
            yield event("plan_upgraded", user, 30, **_page("/billing"), **{"$set": {"plan": "pro"}})


def _page(path: str) -> dict[str, str]:
    return {"$current_url": f"{SITE}{path}", "$pathname": path}


def _button() -> dict[str, str]:
    return {"$selector": "form#signup button[type=submit]", "$el_text": "Create account"}


def seed(writer: GroupWriter, project_id: int, events: list[dict], chunk: int = 5_000) -> int:
    """Write canonical ``events`` for a project through the writer; returns how many."""
    written = 0
    for first in range(0, len(events), chunk):
        prepared = prepare(
            events[first : first + chunk], project_id=project_id, max_event_bytes=1_000_000
        )
        written += writer.write_sync(prepared.batch)
    return written


DEMO_PROJECT = "Demo launch"


@dataclass(frozen=True)
class DemoProject:
    """The demo project, a fresh secret token for it, and how many events and feedback items
    were seeded now."""

    project_id: int
    public_key: str
    secret_token: str
    seeded: int
    tickets: int = 0


def seed_demo(runtime: Runtime, persons: int = 1500) -> DemoProject:
    """Create the demo project with its simulated launch (once), and a fresh secret token."""
    with runtime.database.session() as session:
        found = next((p for p in list_projects(session) if p.name == DEMO_PROJECT), None)
        if found is None:
            made = create_project(session, name=DEMO_PROJECT)
            project_id, public_key, token = made.id, made.public_key, made.secret_token
        else:
            project_id, public_key = found.id, found.public_key
            token = create_token(session, project_id=project_id, label="demo")
    seeded = 0
    if runtime.store.count_events(project_id) == 0:
        _, events = simulate(persons=persons)
        seeded = seed(runtime.writer, project_id, events)
    with runtime.database.session() as session:
        seed_demo_knowledge(session, project_id)
        tickets = seed_demo_tickets(session, project_id)
    return DemoProject(project_id, public_key, token, seeded, tickets)


def seed_demo_tickets(session: Session, project_id: int) -> int:
    """The demo's support tickets (a steady theme, and the Safari button's from the launch
    day), once; how many were stored now."""
    from sqlalchemy import func, select

    from launchloop.knowledge.models import FeedbackItem

    query = select(func.count()).where(
        FeedbackItem.project_id == project_id, FeedbackItem.source == SOURCE
    )
    if session.scalar(query):
        return 0
    launch, _ = simulate(persons=0)
    last = (launch.start + timedelta(days=launch.days - 1)).date()
    tickets = tickets_of(launch.effects, launch.start.date(), last, seed=7)
    seed_tickets(session, project_id, tickets)
    return len(tickets)


DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"
#: The demo launch's KPIs: (name, kind, definition, owner team, target, direction).
DEMO_KPIS: tuple[tuple[str, str, dict[str, Any], str, float, str], ...] = (
    ("Sign-up conversion", "funnel_conversion",
     {"events": ["$pageview", "signup_started", "signup_completed"]}, "marketing", 0.3, "up"),
    ("Report adoption", "adoption",
     {"events": ["report_exported"], "denominator": ["dashboard_viewed"]}, "product", 0.3, "up"),
    ("Friction rate", "friction_rate", {}, "tech", 50.0, "down"),
)  # fmt: skip


def seed_demo_knowledge(session: Session, project_id: int) -> None:
    """A demo user (admin) to sign in with, and the launch with its KPIs (issue 5), once."""
    from launchloop.knowledge.launches import create_kpi, create_launch, list_launches
    from launchloop.knowledge.roles import Caller
    from launchloop.knowledge.teams import ensure_default_teams
    from launchloop.knowledge.users import add_user_to_project, create_user, user_by_email

    user = user_by_email(session, DEMO_EMAIL)
    user = user or create_user(session, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo")
    add_user_to_project(session, user, project_id, role="admin", author="demo")
    if list_launches(session, project_id):
        return
    ensure_default_teams(session, project_id)
    caller = Caller(project_id, "admin", "demo")
    demo_launch, _ = simulate(persons=0)
    launch = create_launch(
        session, caller, name="Reports", launched_at=demo_launch.launch_date,
        hypotheses=["Exporting reports makes users come back"],
    )  # fmt: skip
    session.flush()
    for name, kind, definition, team, target, direction in DEMO_KPIS:
        declared = {"name": name, "kind": kind, "owner_team": team, "target": target}
        declared |= definition | {"direction": direction}
        create_kpi(session, caller, declared, launch_id=launch.id)


def detect_demo(runtime: Runtime, project_id: int) -> int:
    """Run the detectors once over the demo's last two weeks; how many signals they raised."""
    from launchloop.detect.run import DetectionWindow, run_detection
    from launchloop.knowledge.roles import Caller

    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    window = DetectionWindow(yesterday, days=14, baseline_days=14)
    with runtime.database.session() as session:
        caller = Caller(project_id, "admin", "launchloop-demo")
        return len(run_detection(session, runtime.store, caller, window).created)
