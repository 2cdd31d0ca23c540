"""Notifications against real receivers on loopback: signed webhooks with retries, Slack
blocks, and an email digest received by a local SMTP server (issue 9)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from launchloop.errors import InvalidInput
from launchloop.knowledge.database import Database
from launchloop.knowledge.models import NotificationPreference
from launchloop.knowledge.teams import create_member
from launchloop.loop.notify import Outbox, list_deliveries, notify, set_preference
from launchloop.loop.webhooks import verify
from tests.knowledge_fixtures import as_role, kdb, new_project  # noqa: F401
from tests.loop_receivers import http_receiver, smtp_receiver
from tests.loop_seed import seed

#: What alice's feed holds over the last day: her team's KPI signal and draft, her tag.
ALICE_TITLES = {"Sign-ups fell", "Sign-ups fell after the new form", "Price page confuses"}
QUICK = Outbox(public_url="http://ll.test", attempts=4, backoff_s=0.01)


def _prefer(database: Database, channel: str, address: str, **extra: object) -> int:
    project_id = new_project(database)
    with database.session() as session:
        s = seed(session, project_id)
        admin = as_role(project_id, "admin")
        set_preference(session, admin, s.members["alice"], channel=channel, address=address,
                       **extra)  # type: ignore[arg-type]  # fmt: skip
    return project_id


def test_a_signed_webhook_is_retried_until_the_receiver_takes_it(kdb: Database) -> None:  # noqa: F811
    with http_receiver([500, 503]) as receiver:
        project_id = _prefer(kdb, "webhook", receiver.url, cadence="immediate", secret="s3cret")
        with kdb.session() as session:
            [delivery] = notify(session, project_id, "immediate", QUICK)
            assert (delivery.status, delivery.attempts, delivery.last_code) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        stamp = request.headers["X-Launchloop-Timestamp"]
        expected = hmac.new(b"s3cret", stamp.encode() + b"." + request.body, hashlib.sha256)
        assert request.headers["X-Launchloop-Signature"] == "sha256=" + expected.hexdigest()
        assert verify("s3cret", stamp, request.body, request.headers["X-Launchloop-Signature"])
        assert not verify("other", stamp, request.body, request.headers["X-Launchloop-Signature"])
    body = json.loads(receiver.requests[-1].body)
    assert {item["title"] for item in body["items"]} == ALICE_TITLES
    assert all(
        item["url"].startswith(f"http://ll.test/app/{project_id}/") for item in body["items"]
    )


def test_nothing_new_sends_nothing_the_second_time(kdb: Database) -> None:  # noqa: F811
    with http_receiver([]) as receiver:
        project_id = _prefer(kdb, "webhook", receiver.url, cadence="immediate", secret="k")
        with kdb.session() as session:
            assert len(notify(session, project_id, "immediate", QUICK)) == 1
            assert notify(session, project_id, "immediate", QUICK) == []
            assert notify(session, project_id, "daily", QUICK) == []  # alice is immediate
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(("codes", "attempts", "code"), [([500] * 9, 4, 500), ([400], 1, 400)])
def test_a_failing_receiver_is_logged_and_tried_again_later(
    kdb: Database,  # noqa: F811
    codes: list[int],
    attempts: int,
    code: int,
) -> None:
    with http_receiver(codes) as receiver:
        project_id = _prefer(kdb, "webhook", receiver.url, cadence="daily", secret="k")
        with kdb.session() as session:
            notify(session, project_id, "daily", QUICK)
            [logged] = list_deliveries(session, project_id)
            assert (logged.status, logged.attempts, logged.last_code) == ("failed", attempts, code)
            preference = session.query(NotificationPreference).one()
            assert preference.notified_until is None  # the next run sends it again
    assert len(receiver.requests) == attempts


def test_slack_gets_blocks_with_a_link_per_item(kdb: Database) -> None:  # noqa: F811
    with http_receiver([]) as receiver:
        project_id = _prefer(kdb, "slack", receiver.url, cadence="weekly")
        with kdb.session() as session:
            [delivery] = notify(session, project_id, "weekly", QUICK)
            insight_id = session.execute(
                __import__("sqlalchemy").text("SELECT id FROM insights WHERE statement = :s"),
                {"s": "Price page confuses"},
            ).scalar()
    assert delivery.status == "delivered"
    payload = json.loads(receiver.requests[0].body)
    assert payload["blocks"][0]["type"] == "header"
    assert payload["blocks"][0]["text"]["text"] == payload["text"]
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    link = f"<http://ll.test/app/{project_id}/insights/{insight_id}|Price page confuses>"
    assert any(link in text for text in sections)


def test_an_email_digest_reaches_a_local_smtp_server(kdb: Database) -> None:  # noqa: F811
    with smtp_receiver() as (port, mail):
        outbox = Outbox(smtp_host="127.0.0.1", smtp_port=port, sender="loop@ll.test",
                        public_url="http://ll.test")  # fmt: skip
        project_id = _prefer(kdb, "email", "alice@example.test", cadence="daily")
        with kdb.session() as session:
            [delivery] = notify(session, project_id, "daily", outbox)
    assert delivery.status == "delivered"
    [(recipients, message)] = mail
    assert recipients == ["alice@example.test"]
    assert message["From"] == "loop@ll.test"
    assert message["Subject"] == "launchloop: 3 new for alice (daily)"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for title in ALICE_TITLES:
        assert title in text and title in html
    assert f"http://ll.test/app/{project_id}/signals" in text


def test_an_unreachable_smtp_server_is_a_failed_delivery(kdb: Database) -> None:  # noqa: F811
    from tests.conftest import free_port

    project_id = _prefer(kdb, "email", "alice@example.test", cadence="daily")
    with kdb.session() as session:
        outbox = Outbox(smtp_host="127.0.0.1", smtp_port=free_port())
        [delivery] = notify(session, project_id, "daily", outbox)
    assert delivery.status == "failed" and "ConnectionRefused" in delivery.error


def test_preferences_are_checked(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        s = seed(session, project_id)
        admin = as_role(project_id, "admin")
        alice = s.members["alice"]
        with pytest.raises(InvalidInput):
            set_preference(session, admin, alice, channel="webhook", address="http://x")
        with pytest.raises(InvalidInput):
            set_preference(session, admin, alice, channel="slack", address="not a url")
        with pytest.raises(InvalidInput):
            set_preference(session, admin, alice, channel="email", address="a@b", cadence="hourly")
        first = set_preference(session, admin, alice, channel="email", address="a@b")
        again = set_preference(session, admin, alice, channel="email", address="c@d")
        assert first.id == again.id and again.address == "c@d"


def test_an_evaluation_falling_due_is_told_once(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with http_receiver([]) as receiver, kdb.session() as session:
        s = seed(session, project_id)
        admin = as_role(project_id, "admin")
        bob = create_member(session, admin, name="bob", team_id=s.teams["tech"])
        session.flush()
        set_preference(session, admin, bob.id, channel="slack", address=receiver.url,
                       cadence="weekly")  # fmt: skip
        assert len(notify(session, project_id, "weekly", QUICK)) == 1
        assert notify(session, project_id, "weekly", QUICK) == []
    sections = [b["text"]["text"] for b in json.loads(receiver.requests[0].body)["blocks"][2:]]
    assert any(text.startswith("*Evaluation due*: <") and "Fix the card form" in text
               for text in sections)  # fmt: skip
