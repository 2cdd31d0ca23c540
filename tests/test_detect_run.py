"""Detection end to end: the demo's injected problem found, drafted, stored once; API and CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from launchloop.cli import app, detect  # noqa: F401  (registers the detect commands)
from launchloop.config import Settings
from launchloop.demo import seed_demo
from launchloop.detect.findings import DetectionWindow, percent
from launchloop.detect.run import run_detection
from launchloop.detect.wording import MAX_SENTENCE
from launchloop.knowledge.insights import change_insight_status
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import FeedbackItem, Insight, Signal, Theme
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.knowledge.roles import Caller
from launchloop.runtime import Runtime, open_runtime
from launchloop.store.base import open_store
from tests.analytics_events import write
from tests.conftest import Server
from tests.test_detect_funnel import CURRENT_WEEK, PREVIOUS_WEEK, week_of_events

FUNNEL_KPI = {
    "name": "Sign-up conversion",
    "kind": "funnel_conversion",
    "events": ["$pageview", "signup_started", "signup_completed"],
    "owner_team": "marketing",
}


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """An embedded runtime (DuckDB events, SQLite knowledge) in a fresh data dir."""
    opened = open_runtime(settings)
    yield opened
    opened.close()


def demo_window() -> DetectionWindow:
    """The last 14 full days of the simulation (it ends at today's UTC midnight)."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return DetectionWindow(yesterday, days=14, baseline_days=14)


def test_demo_safari_signup_problem_is_found_and_drafted(runtime: Runtime) -> None:
    demo = seed_demo(runtime)
    caller = Caller(demo.project_id, "admin", "detector")
    with runtime.database.session() as session:
        report = run_detection(session, runtime.store, caller, demo_window())
        kinds = {s.kind for s in report.created}
        drop = next(
            s for s in report.created
            if s.kind == "funnel_drop" and s.payload["to_event"] == "signup_completed"
        )  # fmt: skip
        spot = next(
            s for s in report.created
            if s.kind == "friction_hotspot" and s.payload["path"] == "/signup"
        )  # fmt: skip
        assert {"funnel_drop", "friction_hotspot"} <= kinds and not report.problems
        segment = drop.payload["segments"][0]
        assert (segment["dimension"], segment["value"]) == ("browser", "Safari")
        # Safari's sign-ups fell from the launch day on (the simulation's injected effect).
        assert drop.payload["mode"] == "segment_fell"
        assert segment["rate"] < segment["rate_compared"]
        assert spot.payload["friction"] == "rage_click"
        assert spot.payload["target"] == "form#signup button[type=submit]"
        assert "signup_completed" in spot.payload["funnel_steps"]
        assert drop.kpi_id is not None and drop.team_id is not None  # routed to marketing
        draft = next(i for i in report.drafts.created if drop.id in _cited(i))
        surge = next(s for s in report.created if s.kind == "theme_surge")
        assert surge.payload["theme"] == "create account button does nothing"
        assert {spot.id, surge.id} <= _cited(draft) and draft.status == "draft"
        # Routed to the KPI's owner and to the team that observes friction hot spots.
        assert {team.name for team in draft.teams} >= {"marketing", "tech"}
        # One sentence: the figure, the comparison and the corroborating friction and feedback.
        assert f"{percent(segment['rate'])} of browser Safari persons" in draft.statement
        assert f"against {percent(segment['rate_compared'])} over the 14 days" in draft.statement
        assert f"; {spot.payload['events']} rage clicks on /signup and " in draft.statement
        assert f" {surge.payload['items']} feedback items point at" in draft.statement
        assert len(draft.statement) <= MAX_SENTENCE and draft.statement.count(". ") == 0
        # The users' words are evidence records, each text once (the demo repeats some).
        quotes = [e.quote for e in draft.evidence if e.kind == "feedback"]
        assert "I click Create account and nothing happens" in quotes
        assert len(quotes) == len(set(quotes))
        assert len(surge.payload["quotes"]) == len(set(surge.payload["quotes"]))
        created = len(report.created)
    with runtime.database.session() as session:
        again = run_detection(session, runtime.store, caller, demo_window())
        assert again.created == [] and again.already_known == created
        assert session.query(Signal).filter_by(project_id=demo.project_id).count() == created


def _cited(insight: Insight) -> set[int]:
    return {e.signal_id for e in insight.evidence if e.signal_id is not None}


def drafted_funnel_drop(runtime: Runtime) -> tuple[Caller, DetectionWindow, int]:
    """A project whose Safari sign-ups fell, detected once: its caller, window and draft id."""
    with runtime.database.session() as session:
        project_id = create_project(session, name="p").id
        caller = Caller(project_id, "admin", "t")
        create_kpi(session, caller, FUNNEL_KPI)
    events = week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3)
    write(runtime.store, events, project_id=project_id)
    window = DetectionWindow(CURRENT_WEEK + timedelta(days=6), days=7, baseline_days=7)
    with runtime.database.session() as session:
        (draft,) = run_detection(session, runtime.store, caller, window).drafts.created
        assert draft.tags == ["detect:step:signup_completed", "detected"]
        return caller, window, draft.id


def test_a_lasting_drop_seen_by_a_daily_sliding_window_is_one_signal(runtime: Runtime) -> None:
    caller, window, draft_id = drafted_funnel_drop(runtime)
    with runtime.database.session() as session:
        (first,) = session.query(Signal).filter_by(project_id=caller.project_id).all()
        fingerprint = first.payload["fingerprint"]
    for shift in (1, 2):  # the next two days' runs still see Safari's fall
        later = DetectionWindow(window.until + timedelta(days=shift), days=7, baseline_days=7)
        with runtime.database.session() as session:
            again = run_detection(session, runtime.store, caller, later)
            assert again.created == [] and again.already_known >= 1
    with runtime.database.session() as session:
        (signal,) = session.query(Signal).filter_by(project_id=caller.project_id).all()
        assert signal.payload["fingerprint"] == fingerprint
        assert signal.payload["onset"] == CURRENT_WEEK.isoformat()
        assert signal.payload["seen_until"] == str(window.until + timedelta(days=2))
        assert len(session.get(Insight, draft_id).evidence) == 1


def test_a_later_episode_adds_evidence_to_the_open_draft(runtime: Runtime) -> None:
    caller, _, draft_id = drafted_funnel_drop(runtime)
    # Safari recovered, then fell again two weeks later: a new episode of the same drop.
    again_good, again_bad = CURRENT_WEEK + timedelta(days=14), CURRENT_WEEK + timedelta(days=21)
    events = week_of_events(again_good, 0.8) + week_of_events(again_bad, 0.3)
    write(runtime.store, events, project_id=caller.project_id)
    later = DetectionWindow(again_bad + timedelta(days=6), days=7, baseline_days=7)
    with runtime.database.session() as session:
        second = run_detection(session, runtime.store, caller, later)
        (signal,) = second.created
        assert signal.payload["onset"] == again_bad.isoformat()
        assert second.drafts.created == []
        assert [i.id for i in second.drafts.enriched] == [draft_id]
        assert len(session.get(Insight, draft_id).evidence) == 2


def test_a_dismissed_draft_does_not_come_back(runtime: Runtime) -> None:
    caller, _, draft_id = drafted_funnel_drop(runtime)
    with runtime.database.session() as session:
        change_insight_status(session, caller, draft_id, "retired")
    again_good, again_bad = CURRENT_WEEK + timedelta(days=14), CURRENT_WEEK + timedelta(days=21)
    events = week_of_events(again_good, 0.8) + week_of_events(again_bad, 0.3)
    write(runtime.store, events, project_id=caller.project_id)
    later = DetectionWindow(again_bad + timedelta(days=6), days=7, baseline_days=7)
    with runtime.database.session() as session:
        second = run_detection(session, runtime.store, caller, later)
        assert second.created and second.drafts.created == second.drafts.enriched == []
        assert second.drafts.dismissed == ["detect:step:signup_completed"]


@pytest.fixture
def funnel_server(settings: Settings, project: NewProject, request: pytest.FixtureRequest):
    """A server whose project has a sign-up funnel KPI and a week where Safari fell."""
    from launchloop.knowledge.database import Database

    database = Database(settings.resolved_database_url)
    with database.session() as session:
        create_kpi(session, Caller(project.id, "admin", "t"), FUNNEL_KPI)
    database.dispose()
    store = open_store(settings.resolved_events_url)
    events = week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3)
    write(store, events, project_id=project.id)
    store.close()
    return request.getfixturevalue("server")


def test_detect_run_over_http_stores_each_finding_once(funnel_server: Server) -> None:
    body = {"until": "2026-11-22", "days": 7, "baseline_days": 7}
    with funnel_server.api() as api:
        first = api.post("/api/v1/detect/run", json=body)
        assert first.status_code == 200, first.text
        answer = first.json()
        assert (answer["date_from"], answer["date_to"]) == ("2026-11-16", "2026-11-22")
        (signal,) = answer["created"]
        assert signal["kind"] == "funnel_drop" and signal["source"] == "detector"
        assert signal["payload"]["segments"][0]["value"] == "Safari"
        assert len(answer["drafted_insight_ids"]) == 1
        second = api.post("/api/v1/detect/run", json=body).json()
        assert second["created"] == [] and second["already_known"] == 1
        listed = api.get("/api/v1/signals", params={"kind": "funnel_drop"}).json()
        assert [s["id"] for s in listed] == [signal["id"]]
        assert api.post("/api/v1/detect/run", json={"days": 0}).status_code == 422
        since = {"since": "2026-11-16", "until": "2026-11-22", "baseline_days": 7}
        third = api.post("/api/v1/detect/run", json=since).json()
        assert (third["date_from"], third["date_to"]) == ("2026-11-16", "2026-11-22")
        assert third["created"] == [] and third["already_known"] == 1
        both = api.post("/api/v1/detect/run", json=since | {"days": 7})
        assert both.status_code == 422 and "since" in both.text
    no_token = funnel_server.api()
    no_token.headers.pop("Authorization")
    assert no_token.post("/api/v1/detect/run", json=body).status_code == 401


def test_detect_run_from_the_command_line(settings: Settings, project: NewProject) -> None:
    store = open_store(settings.resolved_events_url)
    write(store, week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3),
          project_id=project.id)  # fmt: skip
    store.close()
    from launchloop.knowledge.database import Database

    database = Database(settings.resolved_database_url)
    with database.session() as session:
        create_kpi(session, Caller(project.id, "admin", "t"), FUNNEL_KPI)
    database.dispose()
    args = ["detect", "run", "--until", "2026-11-22", "--days", "7", "--baseline-days", "7"]
    args += ["--data-dir", str(settings.data_dir), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    answer = json.loads(result.output)
    assert [s["kind"] for s in answer["created"]] == ["funnel_drop"]
    assert "browser Safari carries 100% of the loss" in answer["created"][0]["text"]
    rerun = json.loads(CliRunner().invoke(app, args).output)
    assert rerun["created"] == [] and rerun["already_known"] == 1
    # From a day: the 3 days since 2026-11-20 against the 3 before (a baseline of 7).
    since = ["detect", "run", "--since", "2026-11-20", "--until", "2026-11-22", "--json"]
    since += ["--baseline-days", "7", "--data-dir", str(settings.data_dir)]
    shorter = json.loads(CliRunner().invoke(app, since).output)
    assert (shorter["date_from"], shorter["date_to"]) == ("2026-11-20", "2026-11-22")
    # Both 3-day halves are at 30% for Safari: no fall, only its gap against the others.
    assert [s["payload"]["mode"] for s in shorter["created"]] == ["segment_gap"]
    late = CliRunner().invoke(app, [*since[:3], "2026-11-23", *since[4:]])
    assert late.exit_code != 0 and "since" in str(late.exception)


def test_feedback_of_persons_who_dropped_joins_the_drop(runtime: Runtime) -> None:
    with runtime.database.session() as session:
        project_id = create_project(session, name="p").id
        caller = Caller(project_id, "admin", "t")
        create_kpi(session, caller, FUNNEL_KPI)
        theme = Theme(project_id=project_id, name="button does nothing", size=5)
        session.add(theme)
        session.flush()
        theme_id = theme.id
        # Safari persons of the current week who did not complete (see week_of_events)...
        dropped = [i for i in range(300) if i % 3 == 1 and (i // 6) % 10 >= 3][:4]
        # ...and one Chrome person who completed.
        for i in [*dropped, 0]:
            session.add(
                FeedbackItem(
                    project_id=project_id, kind="support_ticket", text=f"nothing happens {i}",
                    author=f"{CURRENT_WEEK}-p{i}", theme_id=theme_id,
                    observed_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
                )
            )  # fmt: skip
    events = week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3)
    write(runtime.store, events, project_id=project_id)
    window = DetectionWindow(CURRENT_WEEK + timedelta(days=6), days=7, baseline_days=7)
    with runtime.database.session() as session:
        report = run_detection(session, runtime.store, caller, window)
        drop, surge = sorted(report.created, key=lambda s: s.kind)
        assert (drop.kind, surge.kind) == ("funnel_drop", "theme_surge")
        assert drop.payload["dropped_feedback"]["persons"] == 4
        assert len(drop.feedback_ids) == 4 and f"theme:{theme_id}" in drop.payload["subjects"]
        assert "4 of the persons who dropped wrote 4 feedback items" in drop.text
        assert f'"nothing happens {dropped[0]}"' in drop.text
        # Joined by person, not by page: one draft cites the drop and the theme's surge.
        (draft,) = report.drafts.created
        assert _cited(draft) == {drop.id, surge.id}
        assert draft.confidence == 0.8  # usage and feedback: two independent kinds


def test_a_theme_whose_words_name_the_step_joins_the_drop(runtime: Runtime) -> None:
    with runtime.database.session() as session:
        project_id = create_project(session, name="p").id
        caller = Caller(project_id, "admin", "t")
        create_kpi(session, caller, FUNNEL_KPI)
        theme = Theme(project_id=project_id, name="inscription impossible", size=6,
                      words=["inscription", "bouton"])  # fmt: skip
        session.add(theme)
        session.flush()
        for day in range(6):  # no page, no author: only the words tie it to the step
            session.add(
                FeedbackItem(
                    project_id=project_id, kind="support_ticket", theme_id=theme.id,
                    text="Impossible de finir mon inscription",
                    observed_at=datetime(2026, 11, 16 + day, 12, tzinfo=UTC),
                )
            )  # fmt: skip
    events = week_of_events(PREVIOUS_WEEK, 0.8) + week_of_events(CURRENT_WEEK, 0.3)
    write(runtime.store, events, project_id=project_id)
    window = DetectionWindow(CURRENT_WEEK + timedelta(days=6), days=7, baseline_days=7)
    with runtime.database.session() as session:
        report = run_detection(session, runtime.store, caller, window)
        drop, surge = sorted(report.created, key=lambda s: s.kind)
        assert (drop.kind, surge.kind) == ("funnel_drop", "theme_surge")
        assert surge.payload["steps"] == ["signup_completed", "signup_started"]
        assert drop.payload.get("dropped_feedback") is None  # not joined by person
        (draft,) = report.drafts.created
        assert _cited(draft) == {drop.id, surge.id}
        assert "inscription impossible" in draft.statement
