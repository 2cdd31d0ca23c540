"""The web app in a real headless Chromium (Debian's, driven by Playwright): the loop end to end.

Screenshots go to ``test-artifacts/web-ui/`` (kept by CI as artifacts, ignored by git).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.web_ui_fixtures import Person, make_user

CHROMIUM = Path(os.environ.get("LAUNCHLOOP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts" / "web-ui"
ATTACK = '<script>window.__pwned = 1</script> Safari users rage-click "Create account"'


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser tests are mandatory in CI (scripts/ensure-chromium)")
    pytest.skip(f"{reason} (scripts/ensure-chromium installs it)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (never `playwright install`)."""
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright's Python package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def person(server: Server) -> Person:
    """An admin of the server's project, with a few events for the dashboard's funnel."""
    made = make_user(server.settings, server.project, name="Ana <b>admin</b>")
    events = [
        {"event": name, "distinct_id": who, "properties": {"$session_id": f"s-{who}"}}
        for who in ("u1", "u2", "u3", "u4")
        for name in ("$pageview", "signup")[: 1 + (who in ("u1", "u2"))]
    ]
    answer = httpx.post(
        f"{server.url}/api/v1/events", json={"api_key": server.project.public_key, "events": events}
    )
    assert answer.status_code == 200, answer.text
    return made


def shot(page: Any, name: str) -> None:
    """Keep a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: Server, person: Person) -> None:
    """Sign in with the keyboard only: type, Tab, type, Enter."""
    page.goto(f"{server.url}/sign-in")
    page.get_by_label("Email").focus()
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(person.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/app/{server.project.id}/dashboard")


def test_sign_in_dashboard_observation_insight_validation_action(
    browser: Any, server: Server, person: Person
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, person)
    base = f"{server.url}/app/{server.project.id}"
    page.get_by_label("Steps (event names, comma separated)").fill("$pageview, signup")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("[data-chart='funnel-chart'][data-drawn='true'] svg")
    assert page.get_by_role("heading", name="Funnel").is_visible()
    assert "Signed in as Ana <b>admin</b>" in page.inner_text("header")
    shot(page, "dashboard")

    page.get_by_role("link", name="Signals").click()
    page.get_by_label("What did you see or hear? (a meeting, a call, a ticket)").fill(ATTACK)
    page.get_by_role("button", name="Record").click()  # HTMX swaps the list in place
    page.wait_for_selector("#signal-list .signal .text")
    assert page.inner_text("#signal-list .signal .text") == ATTACK
    assert page.evaluate("window.__pwned") is None
    shot(page, "signals")

    page.get_by_role("button", name="Turn into a draft insight").click()
    page.wait_for_url(f"{base}/insights/1")
    assert page.inner_text("#insight-status") == "draft"
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("#insight-status:text('validated')")
    assert page.inner_text("h1.statement") == ATTACK
    shot(page, "insight")

    page.get_by_role("link", name="Create an action").click()
    page.get_by_label("Kind").select_option("fix")
    page.get_by_label("Title").fill("Show progress on the sign-up button")
    page.get_by_label("Hypothesis").fill("Safari users stop rage-clicking when they see progress")
    page.get_by_role("button", name="Create an action").click()
    page.wait_for_url(f"{base}/backlog")
    card = page.locator(".action").first
    assert "Show progress on the sign-up button" in card.inner_text()
    assert "impact KPI, evaluation date" in card.inner_text()  # the loop rule's missing fields
    assert page.evaluate("window.__pwned") is None
    shot(page, "backlog")


def test_a_form_post_without_csrf_token_is_refused_in_the_browser(
    browser: Any, server: Server, person: Person
) -> None:
    page = browser.new_page()
    sign_in(page, server, person)
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', credentials: 'same-origin',
            body: new URLSearchParams({text: 'forged'})})).status""",
        f"/app/{server.project.id}/signals",
    )
    assert status == 403
    page.goto(f"{server.url}/app/{server.project.id}/signals")
    assert "forged" not in page.inner_text("#signal-list")


def test_375_px_wide_renders_without_sideways_scrolling(
    browser: Any, server: Server, person: Person
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    sign_in(page, server, person)
    for path in ("dashboard", "signals", "keys", "members"):
        page.goto(f"{server.url}/app/{server.project.id}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide at 375 px"
        shot(page, f"375px-{path}")
    page.goto(f"{server.url}/app/{server.project.id}/dashboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    context.close()
