"""Insight search on the insights list and similar items while writing, through the app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from launchloop.config import Settings
from launchloop.knowledge.actions import create_action
from launchloop.knowledge.database import Database
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, validate_insight
from launchloop.knowledge.projects import NewProject
from launchloop.knowledge.roles import Caller
from launchloop.knowledge.teams import create_team
from launchloop.web.app import create_app
from tests.web_ui_fixtures import csrf_of, make_user


@pytest.fixture
def knowledge(settings: Settings, project: NewProject) -> dict[str, int]:
    """Three insights (one validated, for the support team) and an action, by name."""
    database = Database(settings.resolved_database_url)
    database.migrate()
    caller = Caller(project.id, "admin", "Ana")
    with database.session() as session:
        support = create_team(session, caller, name="field-sales", observes=[]).id
        checkout = create_insight(
            session,
            caller,
            statement="Visitors abandon the checkout when shipping costs appear",
            team_ids=[support],
            tags=["pricing"],
        )
        add_evidence(session, caller, checkout.id, kind="query", query={"kind": "web"}, figure=0.3)
        validate_insight(session, caller, checkout.id)
        onboarding = create_insight(
            session, caller, statement="New users abandon onboarding at the invite step"
        )
        other = create_insight(session, caller, statement="Mobile visitors read the blog")
        action = create_action(
            session,
            caller,
            kind="fix",
            title="Show shipping costs on the product page",
            insight_ids=[checkout.id],
        )
        made = {
            "checkout": checkout.id,
            "onboarding": onboarding.id,
            "other": other.id,
            "action": action.id,
            "support": support,
        }
    database.dispose()
    return made


@pytest.fixture
def client(
    settings: Settings, project: NewProject, knowledge: dict[str, int]
) -> Iterator[TestClient]:
    """The app in-process, signed in as an admin of the project."""
    person = make_user(settings, project)
    with TestClient(create_app(settings), follow_redirects=False) as made:
        token = csrf_of(made.get("/sign-in").text)
        form = {"email": person.email, "password": person.password, "csrf_token": token}
        assert made.post("/sign-in", data=form).status_code == 303
        yield made


def found(html: str) -> list[int]:
    """The insight ids of the search hits, in order."""
    return [int(i) for i in re.findall(r'class="insight-hit" data-insight="(\d+)"', html)]


def listed(html: str) -> list[int]:
    """The insight ids of the insights list, in order."""
    return [int(i) for i in re.findall(r'class="insight" data-insight="(\d+)"', html)]


def test_the_insights_list_has_one_form_for_words_status_and_team(
    client: TestClient, project: NewProject, knowledge: dict[str, int]
) -> None:
    url = f"/app/{project.id}/insights"
    page = client.get(url).text
    assert page.count('role="search"') == 1 and f'hx-get="{url}"' in page
    assert {'name="q"', 'name="status"', 'name="team_id"'} <= set(re.findall(r'name="\w+"', page))
    checkout, onboarding, other = knowledge["checkout"], knowledge["onboarding"], knowledge["other"]
    assert listed(client.get(url, params={"status": "draft"}).text) == [other, onboarding]
    words = client.get(url, params={"q": "abandoning"}).text
    assert sorted(listed(words)) == sorted([checkout, onboarding])
    assert listed(client.get(url, params={"q": "abandon", "status": "validated"}).text) == [
        checkout
    ]
    assert listed(client.get(url, params={"team_id": str(knowledge["support"])}).text) == [checkout]
    partial = client.get(url, params={"q": "blog"}, headers={"HX-Request": "true"})
    assert listed(partial.text) == [other] and "<html" not in partial.text
    refused = client.get(url, params={"q": "abandon", "status": "lost"})
    assert refused.status_code == 422 and 'data-field="status"' in refused.text


def test_search_finds_stemmed_words_and_applies_filters(
    client: TestClient, project: NewProject, knowledge: dict[str, int]
) -> None:
    url = f"/app/{project.id}/search"
    both = found(client.get(url, params={"q": "abandoning"}).text)
    assert sorted(both) == sorted([knowledge["checkout"], knowledge["onboarding"]])
    validated = client.get(url, params={"q": "abandon", "status": "validated"}).text
    assert found(validated) == [knowledge["checkout"]]
    by_team = client.get(url, params={"q": "abandon", "team_id": str(knowledge["support"])})
    assert found(by_team.text) == [knowledge["checkout"]]
    by_tag = client.get(url, params={"q": "abandon", "tag": "pricing"}).text
    assert found(by_tag) == [knowledge["checkout"]]
    partial = client.get(url, params={"q": "blog"}, headers={"HX-Request": "true"})
    assert found(partial.text) == [knowledge["other"]] and "<html" not in partial.text
    assert found(client.get(url, params={"q": "abandon", "until": "2000-01-01"}).text) == []


def test_search_refusals_name_the_field(client: TestClient, project: NewProject) -> None:
    url = f"/app/{project.id}/search"
    for params, field in (
        ({"q": "abandon", "status": "lost"}, "status"),
        ({"q": "abandon", "since": "soon"}, "since"),
        ({"q": "!!!"}, "q"),
    ):
        answer = client.get(url, params=params)
        assert answer.status_code == 422 and f'data-field="{field}"' in answer.text


def test_similar_items_show_while_writing(
    client: TestClient, project: NewProject, knowledge: dict[str, int]
) -> None:
    url = f"/app/{project.id}/similar"
    answer = client.get(url, params={"text": "people abandon checkout"})
    assert answer.status_code == 200
    shown = re.findall(r'data-kind="(\w+)" data-id="(\d+)"', answer.text)
    assert ("insight", str(knowledge["checkout"])) == shown[0]
    assert ("insight", str(knowledge["onboarding"])) in shown
    words = client.get(url, params={"title": "shipping costs", "hypothesis": "on product page"})
    shown = re.findall(r'data-kind="(\w+)" data-id="(\d+)"', words.text)
    assert ("action", str(knowledge["action"])) in shown
    assert client.get(url, params={"text": "hi"}).text.strip() == ""  # too short to compare
    signals = client.get(f"/app/{project.id}/signals").text
    assert f'hx-get="/app/{project.id}/similar"' in signals
    new_action = client.get(
        f"/app/{project.id}/backlog/new", params={"insight": knowledge["checkout"]}
    )
    assert new_action.text.count(f'hx-get="/app/{project.id}/similar"') == 2
