"""widget.js in a real headless Chromium: the feedback form, NPS and CSAT surveys on rules.

Answers are read back with ``GET /api/v1/feedback`` (secret token): each must name the person
(the identified distinct id) and the page.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from launchloop.errors import InvalidInput
from launchloop.feedback.surveys import project_surveys, survey_rule
from tests import tracker_pages
from tests.conftest import Server
from tests.tracker_pages import (
    Site,
    app_page,
    events_of,
    named,
    wait_for,
)

site = tracker_pages.site  # the test page's server (another origin)
browser = tracker_pages.browser  # Debian's Chromium

RULES = [
    {"id": "nps-checkout", "kind": "nps", "page": "/app/check*", "once_per_days": 30},
    {
        "id": "csat-search",
        "kind": "csat",
        "after_event": "$form_submit",
        "question": {"en": "Did you find it?", "fr": "Avez-vous trouvé ?"},
    },
    {"id": "other-project", "kind": "nps", "project": 999},
]


def _feedback(server: Server) -> list[dict[str, Any]]:
    with server.api() as api:
        answer = api.get("/api/v1/feedback")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _open(chromium: Any, url: str) -> Any:
    page = chromium.new_page()
    page.goto(url)
    page.wait_for_function("() => window.launchloop && window.launchloop.widget")
    page.evaluate("launchloop.widget.ready")
    return page


def test_feedback_button_stores_an_item_linked_to_the_person_and_page(
    server: Server, site: Site, browser: Any
) -> None:
    page = _open(browser, site.page("/app/home", app_page(server)))
    page.evaluate("launchloop.identify('user-7')")
    page.get_by_role("button", name="Feedback").click()
    dialog = page.get_by_role("dialog", name="Send us your feedback")
    page.keyboard.type("The <b>save</b> button does nothing")  # focus starts in the comment
    dialog.get_by_text("4", exact=True).click()
    dialog.get_by_label("Email (optional)").fill("ana@example.com")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Thank you!").wait_for()
    (item,) = _feedback(server)
    assert (item["kind"], item["score"], item["source"]) == ("in_app", 4.0, "widget")
    assert item["text"] == "The <b>save</b> button does nothing"
    assert (item["author"], item["page"], item["channel"]) == ("user-7", "/app/home", "widget")
    rows = wait_for(events_of(server), lambda rows: named(rows, "survey sent"))
    sent = named(rows, "survey sent")[0]
    assert sent["distinct_id"] == "user-7"
    assert sent["properties"]["$feedback_id"] == item["id"]
    with server.api() as api:
        person = api.get("/api/v1/persons/user-7").json()
    assert person["properties"]["email"] == "ana@example.com"
    assert named(rows, "$form_start") == []  # the widget's own form is not the product's


@pytest.mark.parametrize("settings", [{"surveys": RULES}], indirect=True)
def test_escape_dismisses_a_survey_and_focus_returns_to_the_button(
    server: Server, site: Site, browser: Any
) -> None:
    page = _open(browser, site.page("/app/checkout", app_page(server)))
    page.get_by_role("dialog").wait_for()  # the NPS rule's page
    assert page.evaluate("document.activeElement.type") == "radio"
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate("document.activeElement.className") == "ll-w-button"
    page.evaluate("launchloop.flush()")
    rows = wait_for(events_of(server), lambda rows: named(rows, "survey dismissed"))
    assert named(rows, "survey dismissed")[0]["properties"]["$survey_id"] == "nps-checkout"
    assert _feedback(server) == []


@pytest.mark.parametrize("settings", [{"surveys": RULES}], indirect=True)
def test_nps_survey_shows_on_its_page_once_and_stores_the_answer(
    server: Server, site: Site, browser: Any
) -> None:
    page = _open(browser, site.page("/app/home", app_page(server)))
    assert page.get_by_role("dialog").count() == 0  # not on /app/home
    page.click("#next")  # SPA navigation to /app/checkout: the rule's page
    question = "How likely are you to recommend us to a friend or colleague?"
    dialog = page.get_by_role("dialog", name=question)
    dialog.wait_for()
    page.keyboard.press("ArrowRight")  # keyboard only: focus starts on 0 in the radio group
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    assert dialog.get_by_role("radio", name="9").is_checked()
    dialog.get_by_label("What is the main reason for your score?").fill("Fast checkout")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Thank you!").wait_for()
    (item,) = _feedback(server)
    assert (item["kind"], item["score"], item["text"]) == ("nps", 9.0, "Fast checkout")
    assert (item["page"], item["channel"]) == ("/app/checkout", "survey:nps-checkout")
    assert item["author"] == page.evaluate("launchloop.distinctId()")

    page.reload()  # same page again: the survey was shown within its 30 days
    page.wait_for_function("() => window.launchloop && window.launchloop.widget")
    page.evaluate("launchloop.widget.ready")
    assert page.get_by_role("dialog").count() == 0
    page.evaluate("launchloop.flush()")
    rows = events_of(server)()
    assert [e["properties"]["$survey_id"] for e in named(rows, "survey shown")] == ["nps-checkout"]
    assert named(rows, "survey sent")[0]["properties"]["$survey_response"] == 9


@pytest.mark.parametrize("settings", [{"surveys": RULES}], indirect=True)
def test_csat_survey_after_an_event_in_french(server: Server, site: Site, browser: Any) -> None:
    page = _open(browser, site.page("/", app_page(server, lang="fr")))
    assert page.get_by_role("button", name="Votre avis").count() == 1
    assert page.get_by_role("dialog").count() == 0
    page.fill("#q", "chaussures")
    page.click("#go")  # the search form's submit: the rule's event
    dialog = page.get_by_role("dialog", name="Avez-vous trouvé ?")
    dialog.wait_for()
    dialog.get_by_text("5", exact=True).click()
    dialog.get_by_role("button", name="Envoyer").click()
    dialog.get_by_text("Merci !").wait_for()
    (item,) = _feedback(server)
    assert (item["kind"], item["score"], item["text"], item["page"]) == ("csat", 5.0, "", "/")


@pytest.mark.parametrize("settings", [{"surveys": RULES}], indirect=True)
def test_survey_rules_need_the_public_key_and_keep_to_their_project(server: Server) -> None:
    url = f"{server.url}/api/v1/surveys"
    assert httpx.get(url, params={"api_key": "nope"}).status_code == 401
    answer = httpx.get(url, params={"api_key": server.project.public_key})
    assert answer.status_code == 200
    assert [rule["id"] for rule in answer.json()] == ["nps-checkout", "csat-search"]
    assert answer.json()[1]["question"] == {"en": "Did you find it?", "fr": "Avez-vous trouvé ?"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kind": "nps"}, "surveys[0].id"),
        ({"id": "a", "kind": "ces"}, "surveys[0].kind"),
        ({"id": "a", "kind": "nps", "once_per_days": -1}, "surveys[0].once_per_days"),
        ({"id": "a", "kind": "nps", "question": {"de": "?"}}, "surveys[0].question"),
    ],
)
def test_a_bad_rule_names_its_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        survey_rule(raw)
    assert caught.value.field == field


def test_rule_ids_are_unique() -> None:
    with pytest.raises(InvalidInput, match="used twice"):
        project_surveys([{"id": "a", "kind": "nps"}, {"id": "a", "kind": "csat"}], 1)
