"""The explore page in a real headless Chromium: the query runs through HTMX, ECharts draws it."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.test_web_ui import browser, person, shot, sign_in
from tests.web_ui_fixtures import Person

__all__ = ["browser", "person"]  # fixtures, shared with tests/test_web_ui.py


def test_explore_draws_the_trend_and_its_table(
    browser: Any, server: Server, person: Person
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, person)
    page.get_by_role("link", name="Explore").click()
    page.wait_for_url(f"{server.url}/app/{server.project.id}/explore")
    page.get_by_label("Query").select_option("trend")
    page.locator("#explore-events").fill("signup")
    page.get_by_role("button", name="Run").click()
    chart = page.locator('[data-chart="explore-chart"][data-drawn="true"]')
    chart.wait_for()
    assert chart.locator("svg path").count() > 0  # ECharts drew the line
    counts = page.locator(".explore-table tbody tr td:nth-child(2)").all_inner_texts()
    assert sum(int(c) for c in counts) == 2  # u1 and u2 signed up
    assert "kind=trend" in page.url  # the query is in the address, to share or reload
    shot(page, "explore-trend")
    page.locator("#explore-events").fill("")
    page.locator("#explore-events").evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name="Run").click()
    page.locator('#explore-result [data-field="events"]').wait_for()
    page.close()
