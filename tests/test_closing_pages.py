"""The closing-the-loop pages (issue 11): the inbox with what is new since the last visit,
the review-and-send page with automatic sending, and ``launchloop closing`` on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from launchloop.cli import app as cli_app
from launchloop.cli import register_commands
from launchloop.config import Settings, load_settings
from launchloop.feedback.items import add_items
from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.web.app import create_app
from tests.closing_seed import backed_insight, ship_action
from tests.loop_receivers import smtp_receiver
from tests.web_ui_fixtures import csrf_of, make_user

Mailbox = list[tuple[list[str], EmailMessage]]


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[tuple[Settings, Mailbox]]:
    """Settings whose SMTP server is a real aiosmtpd on loopback, and its mailbox."""
    with smtp_receiver() as (port, mailbox):
        settings = load_settings(data_dir=tmp_path / "data", smtp_port=port)
        settings.data_dir.mkdir(parents=True)
        yield settings, mailbox


@pytest.fixture
def seeded(mail: tuple[Settings, Mailbox]) -> Iterator[tuple[Database, NewProject, list[int]]]:
    """A project with two feedback items (French, English) backing a validated insight."""
    settings, _ = mail
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        project = create_project(session, name="Atelier")
        session.flush()
        rows = [
            {"kind": "support_ticket", "author": "lea@example.test", "language": "fr",
             "text": "Le mode sombre manque."},
            {"kind": "support_ticket", "author": "bob@example.test", "language": "en",
             "text": "Dark mode please."},
        ]  # fmt: skip
        ids = add_items(session, project_id=project.id, rows=rows).stored
    yield database, project, ids
    database.dispose()


@pytest.fixture
def client(
    mail: tuple[Settings, Mailbox], seeded: tuple[Database, NewProject, list[int]]
) -> Iterator[TestClient]:
    """The app in-process, signed in as an admin of the project."""
    settings, _ = mail
    person = make_user(settings, seeded[1])
    with TestClient(create_app(settings), follow_redirects=False) as made:
        token = csrf_of(made.get("/sign-in").text)
        made.post("/sign-in", data={"email": person.email, "password": person.password,
                                    "csrf_token": token})  # fmt: skip
        yield made


def test_inbox_shows_what_is_new_since_the_last_visit(
    client: TestClient, seeded: tuple[Database, NewProject, list[int]]
) -> None:
    database, project, ids = seeded
    first = client.get(f"/app/{project.id}/inbox")
    assert first.status_code == 200 and "2 new since your last visit" in first.text
    assert "Dark mode please." in first.text
    again = client.get(f"/app/{project.id}/inbox")
    assert "0 new since your last visit" in again.text
    with database.session() as session:
        add_items(session, project_id=project.id,
                  rows=[{"kind": "in_app", "text": "Dark theme?", "language": "en"}])  # fmt: skip
    third = client.get(f"/app/{project.id}/inbox")
    assert "1 new since your last visit" in third.text
    form = {"csrf_token": csrf_of(third.text), "into_id": str(ids[1])}
    assert client.post(f"/app/{project.id}/inbox/{ids[0]}/merge", data=form).status_code == 303
    state = {"csrf_token": csrf_of(third.text), "state": "read"}
    assert client.post(f"/app/{project.id}/inbox/{ids[1]}/state", data=state).status_code == 303
    page = client.get(f"/app/{project.id}/inbox").text
    assert f"merged into #{ids[1]}" in page and f"duplicates: {ids[0]}" in page


def test_review_page_prepares_and_sends_then_automatic_sending(
    client: TestClient,
    mail: tuple[Settings, Mailbox],
    seeded: tuple[Database, NewProject, list[int]],
) -> None:
    _, mailbox = mail
    database, project, ids = seeded
    insight = backed_insight(database, project.id, ids)
    ship_action(database, project.id, insight, "Dark mode")
    page = client.get(f"/app/{project.id}/closing")
    csrf = csrf_of(page.text)
    client.post(f"/app/{project.id}/closing/prepare", data={"csrf_token": csrf})
    review = client.get(f"/app/{project.id}/closing").text
    assert "lea@example.test" in review and "bob@example.test" in review and mailbox == []
    client.post(f"/app/{project.id}/closing/send", data={"csrf_token": csrf})
    assert sorted(tos[0] for tos, _ in mailbox) == ["bob@example.test", "lea@example.test"]
    settings = {"csrf_token": csrf, "auto_send": "true"}
    client.post(f"/app/{project.id}/closing/settings", data=settings)
    ship_action(database, project.id, insight, "Dark mode on mobile")
    client.post(f"/app/{project.id}/closing/prepare", data={"csrf_token": csrf})
    assert len(mailbox) == 4  # sent at once, without review
    assert "Dark mode on mobile" in mailbox[-1][1].get_content()


def test_cli_prepare_list_send(
    mail: tuple[Settings, Mailbox], seeded: tuple[Database, NewProject, list[int]]
) -> None:
    settings, mailbox = mail
    database, project, ids = seeded
    ship_action(database, project.id, backed_insight(database, project.id, ids), "Dark mode")
    register_commands()
    runner = CliRunner()
    base = ["--data-dir", str(settings.data_dir), "--project", str(project.id), "--json"]
    env = {"LAUNCHLOOP_SMTP_PORT": str(settings.smtp_port)}
    prepared = runner.invoke(cli_app, ["closing", "prepare", *base], env=env)
    assert prepared.exit_code == 0, prepared.output
    rows = json.loads(prepared.output)
    assert sorted((r["address"], r["language"]) for r in rows) == [
        ("bob@example.test", "en"), ("lea@example.test", "fr")]  # fmt: skip
    listed = runner.invoke(cli_app, ["closing", "list", "--status", "pending", *base], env=env)
    assert len(json.loads(listed.output)) == 2
    first = str(rows[0]["id"])
    sent = runner.invoke(cli_app, ["closing", "send", "--id", first, *base], env=env)
    assert [r["status"] for r in json.loads(sent.output)] == ["sent"]
    assert [tos for tos, _ in mailbox] == [[rows[0]["address"]]]
    bad = runner.invoke(cli_app, ["closing", "list", "--status", "lost", *base], env=env)
    assert bad.exit_code != 0
