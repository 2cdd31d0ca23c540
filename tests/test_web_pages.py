"""The web app's pages driven in-process with httpx: sessions, CSRF, escaping, roles, languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import Signal
from launchloop.knowledge.projects import NewProject
from launchloop.web.app import create_app
from tests.web_ui_fixtures import Person, csrf_of, make_user


@pytest.fixture
def admin(settings: Settings, project: NewProject) -> Person:
    """An admin of the test project."""
    return make_user(settings, project)


@pytest.fixture
def client(settings: Settings, project: NewProject) -> Iterator[TestClient]:
    """The app in-process (its lifespan opens the stores), not following redirects."""
    with TestClient(create_app(settings), follow_redirects=False) as made:
        yield made


def sign_in(client: TestClient, person: Person) -> httpx.Response:
    """Sign in through the form, as a browser does."""
    token = csrf_of(client.get("/sign-in").text)
    return client.post(
        "/sign-in", data={"email": person.email, "password": person.password, "csrf_token": token}
    )


def test_pages_need_a_session_and_sign_in_sets_a_safe_cookie(
    client: TestClient, admin: Person, project: NewProject
) -> None:
    refused = client.get(f"/app/{project.id}/dashboard")
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/sign-in?next=/app/{project.id}/dashboard"
    done = sign_in(client, admin)
    assert done.status_code == 303 and done.headers["location"] == "/app"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/app").headers["location"] == f"/app/{project.id}/dashboard"
    page = client.get(f"/app/{project.id}/dashboard")
    assert page.status_code == 200 and "Launch dashboard" in page.text


def test_wrong_password_is_refused_without_saying_which_part(
    client: TestClient, admin: Person
) -> None:
    token = csrf_of(client.get("/sign-in").text)
    for email, password in ((admin.email, "nope"), ("who@example.com", admin.password)):
        answer = client.post(
            "/sign-in", data={"email": email, "password": password, "csrf_token": token}
        )
        assert answer.status_code == 401 and "Wrong email or password." in answer.text


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, admin: Person, project: NewProject, settings: Settings
) -> None:
    assert client.post("/sign-in", data={"email": admin.email, "password": "x"}).status_code == 403
    sign_in(client, admin)
    url = f"/app/{project.id}/signals"
    assert client.post(url, data={"text": "no token"}).status_code == 403
    assert client.post(url, data={"text": "bad", "csrf_token": "forged"}).status_code == 403
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        assert session.query(Signal).count() == 0
    database.dispose()


def test_user_text_is_escaped_everywhere_it_shows(
    client: TestClient, admin: Person, project: NewProject
) -> None:
    sign_in(client, admin)
    attack = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    page = client.get(f"/app/{project.id}/signals")
    client.post(
        f"/app/{project.id}/signals", data={"text": attack, "csrf_token": csrf_of(page.text)}
    )
    listed = client.get(f"/app/{project.id}/signals").text
    assert attack not in listed
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in listed
    made = client.post(f"/app/{project.id}/signals/1/insight", data={"csrf_token": csrf_of(listed)})
    insight = client.get(made.headers["location"]).text
    assert attack not in insight and "&lt;script&gt;" in insight


def test_the_whole_loop_through_forms(
    client: TestClient, admin: Person, project: NewProject
) -> None:
    sign_in(client, admin)
    base = f"/app/{project.id}"
    token = csrf_of(client.get(f"{base}/signals").text)
    client.post(
        f"{base}/signals", data={"text": "Safari users rage-click submit", "csrf_token": token}
    )
    made = client.post(f"{base}/signals/1/insight", data={"csrf_token": token})
    assert made.headers["location"] == f"{base}/insights/1"
    page = client.get(f"{base}/insights/1").text
    assert "Safari users rage-click submit" in page and ">draft<" in page
    client.post(f"{base}/insights/1/status", data={"status": "validated", "csrf_token": token})
    page = client.get(f"{base}/insights/1").text
    assert ">validated<" in page and "Create an action" in page
    form = client.get(f"{base}/backlog/new?insight=1").text
    assert "hypothesis, impact KPI, evaluation date" in form
    created = client.post(
        f"{base}/backlog",
        data={"insight": "1", "kind": "fix", "title": "Show a spinner", "csrf_token": token},
    )
    assert created.status_code == 303
    backlog = client.get(f"{base}/backlog").text
    assert "Show a spinner" in backlog and "hypothesis, impact KPI, evaluation date" in backlog
    comment = {"body": "Support sees it too", "csrf_token": token}
    client.post(f"{base}/insights/1/comments", data=comment)
    assert "Support sees it too" in client.get(f"{base}/insights/1").text


def test_a_non_member_gets_403_and_a_viewer_cannot_add_members(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    outsider = make_user(settings, None, email="out@example.com", name="Out")
    sign_in(client, outsider)
    assert client.get(f"/app/{project.id}/dashboard").status_code == 403
    client.cookies.clear()
    viewer = make_user(settings, project, email="vi@example.com", name="Vi", role="viewer")
    sign_in(client, viewer)
    page = client.get(f"/app/{project.id}/members")
    assert page.status_code == 200 and "Add a member" not in page.text
    answer = client.post(
        f"/app/{project.id}/members",
        data={"email": "out@example.com", "role": "admin", "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 403


def test_admin_adds_a_member_and_creates_then_revokes_a_token(
    client: TestClient, admin: Person, settings: Settings, project: NewProject
) -> None:
    make_user(settings, None, email="bo@example.com", name="Bo")
    sign_in(client, admin)
    page = client.get(f"/app/{project.id}/members").text
    client.post(
        f"/app/{project.id}/members",
        data={"email": "bo@example.com", "role": "decider", "csrf_token": csrf_of(page)},
    )
    assert "bo@example.com" in client.get(f"/app/{project.id}/members").text
    keys = client.get(f"/app/{project.id}/keys").text
    assert project.public_key in keys and "posthog.init" in keys and "AnalyticsBrowser" in keys
    shown = client.post(
        f"/app/{project.id}/keys",
        data={"label": "ci", "role": "viewer", "csrf_token": csrf_of(keys)},
    ).text
    token = shown.split('id="new-token">')[1].split("<")[0]
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/insights", headers=api).status_code == 200
    token_id = shown.split("/keys/")[1].split("/revoke")[0]
    client.post(f"/app/{project.id}/keys/{token_id}/revoke", data={"csrf_token": csrf_of(keys)})
    assert client.get("/api/v1/insights", headers=api).status_code == 401


def test_french_from_the_user_or_the_browser(
    client: TestClient, settings: Settings, project: NewProject
) -> None:
    assert (
        "Se connecter" in client.get("/sign-in", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    )
    assert "Sign in" in client.get("/sign-in", headers={"Accept-Language": "de,en;q=0.5"}).text
    person = make_user(settings, project, email="fr@example.com", name="Fé", language="fr")
    sign_in(client, person)
    page = client.get(f"/app/{project.id}/dashboard").text
    assert "Tableau de bord du lancement" in page and 'lang="fr"' in page


def test_sign_out_ends_the_session(client: TestClient, admin: Person, project: NewProject) -> None:
    sign_in(client, admin)
    page = client.get(f"/app/{project.id}/signals").text
    assert client.post("/sign-out", data={"csrf_token": csrf_of(page)}).status_code == 303
    assert client.get(f"/app/{project.id}/signals").status_code == 303


def test_the_api_still_answers_json_errors(client: TestClient) -> None:
    answer = client.get("/api/v1/insights/999", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401 and answer.json()["detail"]


def test_demo_user_signs_in_and_the_funnel_matches_a_hand_count(settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    from launchloop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo, simulate
    from launchloop.runtime import open_runtime

    runtime = open_runtime(settings)
    try:
        made = seed_demo(runtime, persons=40)
        seed_demo(runtime, persons=40)  # twice: one user, one launch
    finally:
        runtime.close()
    _, events = simulate(persons=40)
    journeys: dict[str, set[str]] = {}
    for event in events:  # a visitor's anonymous id starts each journey
        visitor = "anon-" + event["distinct_id"].split("-")[1]
        journeys.setdefault(visitor, set()).add(event["event"])
    steps = ("$pageview", "signup_started", "signup_completed")
    expected = [
        sum(all(s in seen for s in steps[: k + 1]) for seen in journeys.values()) for k in range(3)
    ]
    today = datetime.now(UTC).date()
    with TestClient(create_app(settings), follow_redirects=True) as client:
        sign_in(client, Person(DEMO_EMAIL, DEMO_PASSWORD, "Demo"))
        page = client.get(
            f"/app/{made.project_id}/dashboard",
            params={"date_from": str(today - timedelta(days=40)), "date_to": str(today)},
        ).text
    for name in ("Sign-up conversion", "Report adoption", "Friction rate"):
        assert f'data-kpi="{name}"' in page
    found = [
        int(re.search(rf"<td>{k + 1}</td><td>{re.escape(step)}</td><td>(\d+)</td>", page).group(1))  # type: ignore[union-attr]
        for k, step in enumerate(steps)
    ]
    assert found == expected and expected[0] == 40
