"""Closing the loop with users (issue 11), over HTTP on a live server with a real SMTP server:
one message per author in their language, never twice, unsubscribe links, the public changelog."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
import uvicorn

from launchloop.config import load_settings
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from tests.closing_seed import backed_insight, ship_action
from tests.conftest import Server, free_port, wait_until_up
from tests.loop_receivers import smtp_receiver

FR_EMAIL = "marie@example.test"  # French, email on the item
FR_PERSON = "user-claire"  # French, reached through the person's email property
FR_PERSON_EMAIL = "claire@example.test"
EN_EMAIL = "john@example.test"  # English, email on the item
UNREACHABLE = "anon-77"  # a distinct id with no email: nobody to tell


@dataclass
class Loop:
    """The live server, its knowledge database, the mailbox of the SMTP server, seeded ids."""

    server: Server
    database: Database
    mailbox: list[tuple[list[str], EmailMessage]]
    feedback: dict[str, int]
    insight_id: int


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    """A server whose SMTP settings point at a real aiosmtpd on loopback, with seeded feedback."""
    with smtp_receiver() as (smtp_port, mailbox):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = load_settings(data_dir=tmp_path / "data", smtp_port=smtp_port, public_url=url)
        settings.data_dir.mkdir(parents=True)
        database = Database(settings.resolved_database_url)
        database.migrate()
        with database.session() as session:
            project = create_project(session, name="Atelier")
        from launchloop.web.app import create_app

        running = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        wait_until_up(url)
        server = Server(url, project, settings)
        feedback = _seed_feedback(server)
        insight_id = backed_insight(database, project.id, list(feedback.values()))
        yield Loop(server, database, mailbox, feedback, insight_id)
        running.should_exit = True
        thread.join(timeout=30)
        database.dispose()


def _seed_feedback(server: Server) -> dict[str, int]:
    person = {"event": "signed_up", "distinct_id": FR_PERSON,
              "properties": {"$set": {"email": FR_PERSON_EMAIL}}}  # fmt: skip
    with server.api() as api:
        sent = api.post("/api/v1/events", json={"api_key": server.project.public_key,
                                                "events": [person]})  # fmt: skip
        assert sent.status_code == 200, sent.text
        rows = [
            {"kind": "support_ticket", "author": FR_EMAIL, "language": "fr",
             "text": "Il manque l'export PDF, c'est bloquant pour nous."},
            {"kind": "in_app", "author": FR_PERSON, "language": "fr",
             "text": "Impossible d'exporter mes factures en PDF."},
            {"kind": "support_ticket", "author": EN_EMAIL, "language": "en",
             "text": "Please add a PDF export, we need it every month."},
            {"kind": "in_app", "author": UNREACHABLE, "language": "en",
             "text": "PDF export please."},
        ]  # fmt: skip
        answer = api.post("/api/v1/feedback", json={"items": rows}).json()
    assert answer["rejected"] == []
    return dict(
        zip(("fr_email", "fr_person", "en_email", "unreachable"), answer["ids"], strict=True)
    )


def _recipients(mailbox: list[tuple[list[str], EmailMessage]]) -> list[str]:
    return sorted(address for tos, _ in mailbox for address in tos)


def _mail_to(mailbox: list[tuple[list[str], EmailMessage]], address: str) -> EmailMessage:
    [mail] = [mail for tos, mail in mailbox if tos == [address]]
    return mail


def test_each_author_hears_once_in_their_language_and_can_unsubscribe(loop: Loop) -> None:
    project_id = loop.server.project.id
    ship_action(loop.database, project_id, loop.insight_id, "PDF export of invoices")
    with loop.server.api() as api:
        prepared = api.post("/api/v1/closing/prepare").json()
        # Reviewed first: nothing leaves until a team member sends.
        assert loop.mailbox == []
        assert sorted(m["address"] for m in prepared) == [FR_PERSON_EMAIL, EN_EMAIL, FR_EMAIL]
        assert {m["address"]: m["language"] for m in prepared} == {
            FR_EMAIL: "fr", FR_PERSON_EMAIL: "fr", EN_EMAIL: "en"}  # fmt: skip
        assert {m["status"] for m in prepared} == {"pending"}
        sent = api.post("/api/v1/closing/send", json={}).json()
        assert {m["status"] for m in sent} == {"sent"}
        assert api.post("/api/v1/closing/prepare").json() == []  # nobody twice for one change
        assert api.post("/api/v1/closing/send", json={}).json() == []
    assert _recipients(loop.mailbox) == [FR_PERSON_EMAIL, EN_EMAIL, FR_EMAIL]
    for address in (FR_EMAIL, FR_PERSON_EMAIL):
        mail = _mail_to(loop.mailbox, address)
        assert "ce qui a changé" in mail["Subject"]
        assert "Bonjour" in mail.get_content() and "PDF export of invoices" in mail.get_content()
    english = _mail_to(loop.mailbox, EN_EMAIL)
    assert "what changed" in english["Subject"] and "Hello" in english.get_content()
    [link] = re.findall(r"https?://\S+/u/\S+", _mail_to(loop.mailbox, FR_EMAIL).get_content())
    assert _mail_to(loop.mailbox, FR_EMAIL)["List-Unsubscribe"] == f"<{link}>"
    followed = httpx.get(link)  # a public page: no key, no sign-in
    assert followed.status_code == 200 and FR_EMAIL in followed.text
    assert httpx.get(link[:-3] + "xyz").status_code == 404  # a forged signature does nothing

    ship_action(loop.database, project_id, loop.insight_id, "Monthly PDF statements")
    with loop.server.api() as api:
        second = api.post("/api/v1/closing/prepare").json()
        assert sorted(m["address"] for m in second) == [FR_PERSON_EMAIL, EN_EMAIL]
        assert all("Monthly PDF statements" in m["body"] for m in second)
        assert all("PDF export of invoices" not in m["body"] for m in second)
        api.post("/api/v1/closing/send", json={"ids": [m["id"] for m in second]})
    assert _recipients(loop.mailbox[3:]) == [FR_PERSON_EMAIL, EN_EMAIL]  # not the one who left


def test_changelog_and_feed_show_the_change_without_author_data(loop: Loop) -> None:
    project_id = loop.server.project.id
    ship_action(loop.database, project_id, loop.insight_id, "PDF export of invoices")
    assert httpx.get(f"{loop.server.url}/changelog/{project_id}").status_code == 404  # opt-in
    with loop.server.api() as api:
        turned = api.put("/api/v1/closing/settings", json={"changelog_public": True}).json()
    assert turned == {"auto_send": False, "changelog_public": True}
    page = httpx.get(f"{loop.server.url}/changelog/{project_id}")
    feed = httpx.get(f"{loop.server.url}/changelog/{project_id}.atom")
    assert page.status_code == 200 and feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    # Four authors back the insight (three reachable, one not): four users asked for it.
    assert "PDF export of invoices" in page.text and "4 users asked for it" in page.text
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ElementTree.fromstring(feed.content).findall(f"{atom}entry")
    assert [e.findtext(f"{atom}title") for e in entries] == ["PDF export of invoices"]
    for leak in (FR_EMAIL, FR_PERSON, FR_PERSON_EMAIL, EN_EMAIL, UNREACHABLE, "example.test",
                 "PDF, c'est bloquant", "factures"):  # fmt: skip
        assert leak not in page.text and leak not in feed.text


def test_links_triage_and_merged_duplicates_keep_their_authors(loop: Loop) -> None:
    project_id = loop.server.project.id
    with loop.server.api() as api:
        extra = api.post("/api/v1/feedback", json={"kind": "support_ticket", "language": "en",
                                                   "author": "ann@example.test",
                                                   "text": "Any PDF export planned?"})  # fmt: skip
        [duplicate] = extra.json()["ids"]
        assert api.get(f"/api/v1/feedback/{duplicate}/links").json()["insights"] == []
        merged = api.post(f"/api/v1/feedback/{duplicate}/merge",
                          json={"into_id": loop.feedback["en_email"]})  # fmt: skip
        assert merged.json()["merged_into_id"] == loop.feedback["en_email"]
        assert api.post(f"/api/v1/feedback/{duplicate}/merge",
                        json={"into_id": duplicate}).status_code == 422  # fmt: skip
        action_id = ship_action(loop.database, project_id, loop.insight_id, "PDF export")
        links = api.get(f"/api/v1/feedback/{duplicate}/links").json()
        assert [i["id"] for i in links["insights"]] == [loop.insight_id]
        assert [(a["id"], a["status"]) for a in links["actions"]] == [(action_id, "done")]
        spam = api.post(f"/api/v1/feedback/{loop.feedback['fr_email']}/state",
                        json={"state": "spam"})  # fmt: skip
        assert spam.json()["state"] == "spam"
        assert api.post(f"/api/v1/feedback/{duplicate}/state",
                        json={"state": "gone"}).status_code == 422  # fmt: skip
        assert api.get("/api/v1/feedback/99999/links").status_code == 404
        prepared = api.post("/api/v1/closing/prepare").json()
    # The merged duplicate's author hears too; the spam item's author does not.
    assert sorted(m["address"] for m in prepared) == ["ann@example.test", FR_PERSON_EMAIL, EN_EMAIL]
