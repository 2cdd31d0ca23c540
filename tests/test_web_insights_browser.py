"""The insights list in a real headless Chromium: one form (words, status, team) filters the
list in place through HTMX, and the filtered list has its own address."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.test_web_search import knowledge
from tests.test_web_ui import browser, shot, sign_in
from tests.web_ui_fixtures import make_user

__all__ = ["browser", "knowledge"]


def shown(page: Any) -> list[int]:
    """The insight ids the list shows, in order."""
    ids = page.eval_on_selector_all(
        "#insight-list .insight", "all => all.map(i => i.dataset.insight)"
    )
    return [int(i) for i in ids]


def test_one_form_filters_the_insights_in_place(
    browser: Any, server: Server, knowledge: dict[str, int]
) -> None:
    person = make_user(server.settings, server.project)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, person)
    url = f"{server.url}/app/{server.project.id}/insights"
    page.goto(url)
    assert page.locator("main form[method=get]").count() == 1  # one filter form, not two
    insights = [knowledge[name] for name in ("checkout", "onboarding", "other")]
    assert sorted(shown(page)) == sorted(insights)
    page.evaluate("window.__same_page = true")  # gone if the browser loaded a new page
    page.get_by_label("Status", exact=True).select_option("draft")
    page.wait_for_url(f"{url}?q=&status=draft&team_id=")
    page.wait_for_function("document.querySelectorAll('#insight-list .insight').length == 2")
    assert shown(page) == [knowledge["other"], knowledge["onboarding"]]
    page.get_by_label("Words", exact=True).fill("abandon")  # typed words apply after a short pause
    page.wait_for_function("document.querySelectorAll('#insight-list .insight').length == 1")
    assert shown(page) == [knowledge["onboarding"]]
    page.get_by_label("Status", exact=True).select_option("")
    page.get_by_label("Team", exact=True).select_option(str(knowledge["support"]))
    page.wait_for_url(f"{url}?q=abandon&status=&team_id={knowledge['support']}")
    page.wait_for_function(
        f"[...document.querySelectorAll('#insight-list .insight')]"
        f".map(i => i.dataset.insight).join() == '{knowledge['checkout']}'"
    )
    assert page.evaluate("window.__same_page") is True
    shot(page, "insights-filtered")
    page.reload()  # the address alone gives the same list, form filled in
    assert shown(page) == [knowledge["checkout"]]
    assert page.get_by_label("Words", exact=True).input_value() == "abandon"
