"""The experiment page in a real headless Chromium: run the analysis, see the lift chart drawn,
decide through the form and read the learning it recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Server
from tests.test_stats_experiment_api import arm_events, expected_treatment
from tests.test_web_experiments import START, _experiments_in
from tests.test_web_ui import browser, shot, sign_in
from tests.web_ui_fixtures import make_user

__all__ = ["browser"]


def test_analyse_and_decide_in_the_browser(browser: Any, server: Server) -> None:
    person = make_user(server.settings, server.project)
    made = _experiments_in(server.settings, server.project)
    events = arm_events(START, START + timedelta(days=3), flag=False)
    sent = httpx.post(
        f"{server.url}/api/v1/events",
        json={"api_key": server.project.public_key, "events": events},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, person)
    page.get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name="spinner").click()
    page.get_by_role("button", name="Run the analysis").click()
    page.wait_for_selector("[data-chart='lift-chart'][data-drawn='true'] svg")
    fixed, _ = expected_treatment()
    row = page.inner_text("#variant-table tr[data-variant='spinner']")
    assert f"{fixed.effect:+.1%}" in row
    shot(page, "experiment")
    page.get_by_role("combobox", name="Decision").select_option("ship")
    page.get_by_label("Reason").fill("buyers up, no guardrail moved")
    page.get_by_role("button", name="Decide and record the learning").click()
    page.wait_for_selector(".learning")
    assert f"lift {fixed.effect:+.1%}" in page.inner_text(".learning")
    assert page.inner_text("#experiment-status") == "decided"
    assert made["spinner"] > 0
