"""Draft insights in the web app's list: grouped evidence, one-click validate / dismiss, and a
dismissal that detection remembers; driven in-process with httpx like a browser."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.detect.findings import DetectionWindow
from launchloop.detect.run import DetectionReport, run_detection
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import create_kpi
from launchloop.knowledge.models import FeedbackItem, Insight, Theme
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.store.base import open_store
from launchloop.web.app import create_app
from tests.analytics_events import write
from tests.test_detect_funnel import CURRENT_WEEK, PREVIOUS_WEEK, week_of_events
from tests.test_detect_run import FUNNEL_KPI
from tests.web_ui_fixtures import Person, csrf_of, make_user

QUOTE = "Inscription: I press <b>Create account</b> & nothing"


def detect(settings: Settings, project_id: int, weeks: list[tuple[date, float]]) -> DetectionReport:
    """Write the weeks' events (Safari's completion rate each), detect over the last one."""
    store = open_store(settings.resolved_events_url)
    write(store, [e for first, rate in weeks for e in week_of_events(first, rate)], project_id)
    database = Database(settings.resolved_database_url)
    last = weeks[-1][0] + timedelta(days=6)
    try:
        with database.session() as session:
            caller = Caller(project_id, "admin", "detector")
            return run_detection(session, store, caller, DetectionWindow(last, 7, 7))
    finally:
        store.close()
        database.dispose()


@pytest.fixture
def drafted(settings: Settings, project: NewProject) -> tuple[Person, int, DetectionReport]:
    """Safari's sign-ups fell and tickets about sign-up surged: one draft joins both."""
    admin = make_user(settings, project)
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        create_kpi(session, Caller(project.id, "admin", "t"), FUNNEL_KPI)
        theme = Theme(project_id=project.id, name="inscription impossible", size=6,
                      words=["inscription"])  # fmt: skip
        session.add(theme)
        session.flush()
        for day in range(6):
            session.add(
                FeedbackItem(
                    project_id=project.id, kind="support_ticket", theme_id=theme.id, text=QUOTE,
                    observed_at=datetime(2026, 11, 16 + day, 12, tzinfo=UTC),
                )
            )  # fmt: skip
    database.dispose()
    report = detect(settings, project.id, [(PREVIOUS_WEEK, 0.8), (CURRENT_WEEK, 0.3)])
    (draft,) = report.drafts.created
    return admin, draft.id, report


def signed_in(settings: Settings, person: Person) -> TestClient:
    """The app in-process with ``person`` signed in (the caller closes it)."""
    client = TestClient(create_app(settings), follow_redirects=False).__enter__()
    token = csrf_of(client.get("/sign-in").text)
    form = {"email": person.email, "password": person.password, "csrf_token": token}
    assert client.post("/sign-in", data=form).status_code == 303
    return client


def status_of(settings: Settings, insight_id: int) -> tuple[str, datetime | None]:
    """The insight's status and validation time, read from the knowledge base."""
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        insight = session.get_one(Insight, insight_id)
        found = (insight.status, insight.validated_at)
    database.dispose()
    return found


def test_a_draft_shows_its_grouped_evidence_in_the_list(
    settings: Settings, project: NewProject, drafted: tuple[Person, int, DetectionReport]
) -> None:
    admin, draft_id, report = drafted
    client = signed_in(settings, admin)
    try:
        page = client.get(f"/app/{project.id}/insights").text
    finally:
        client.__exit__(None, None, None)
    item = page[page.index(f'data-insight="{draft_id}"') :]  # the only insight: the list's end
    cited = {int(i) for i in re.findall(r'<li data-signal="(\d+)">', item)}
    assert cited == {s.id for s in report.created}
    for signal in report.created:
        assert f'href="/app/{project.id}/signals#signal-{signal.id}"' in item
    # A quote, escaped, and once though six tickets say it (issue 8).
    assert item.count(f"<blockquote>{html.escape(QUOTE)}</blockquote>") == 1
    assert QUOTE not in page
    assert f'action="/app/{project.id}/insights/{draft_id}/validate"' in item
    assert f'action="/app/{project.id}/insights/{draft_id}/dismiss"' in item


def test_one_click_validate_from_the_list(
    settings: Settings, project: NewProject, drafted: tuple[Person, int, DetectionReport]
) -> None:
    admin, draft_id, _ = drafted
    client = signed_in(settings, admin)
    try:
        token = csrf_of(client.get(f"/app/{project.id}/insights").text)
        url = f"/app/{project.id}/insights/{draft_id}/validate"
        assert client.post(url, data={}).status_code == 403  # no CSRF token
        done = client.post(url, data={"csrf_token": token})
        assert done.status_code == 303
        assert done.headers["location"] == f"/app/{project.id}/insights?status=draft"
        status, validated_at = status_of(settings, draft_id)
        assert status == "validated" and validated_at is not None
        # Not a draft any more: neither button applies, the list says why.
        again = client.post(f"/app/{project.id}/insights/{draft_id}/dismiss",
                            data={"csrf_token": token})  # fmt: skip
        assert again.status_code == 303 and status_of(settings, draft_id)[0] == "validated"
        shown = client.get(again.headers["location"]).text
        assert "only a draft is validated or dismissed" in shown
        assert f'data-insight="{draft_id}"' not in shown
    finally:
        client.__exit__(None, None, None)


def test_a_dismissed_draft_is_remembered_by_detection(
    settings: Settings, project: NewProject, drafted: tuple[Person, int, DetectionReport]
) -> None:
    admin, draft_id, _ = drafted
    client = signed_in(settings, admin)
    try:
        token = csrf_of(client.get(f"/app/{project.id}/insights").text)
        url = f"/app/{project.id}/insights/{draft_id}/dismiss"
        assert client.post(url, data={"csrf_token": token}).status_code == 303
    finally:
        client.__exit__(None, None, None)
    assert status_of(settings, draft_id) == ("retired", None)
    # Safari recovers, then falls again two weeks later: a new signal, but no new draft.
    later = [(CURRENT_WEEK + timedelta(days=14), 0.8), (CURRENT_WEEK + timedelta(days=21), 0.3)]
    report = detect(settings, project.id, later)
    assert [s.kind for s in report.created] == ["funnel_drop"]
    assert report.drafts.created == [] and report.drafts.enriched == []
    assert report.drafts.dismissed == ["detect:step:signup_completed"]
