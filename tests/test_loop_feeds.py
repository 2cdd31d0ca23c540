"""Team feeds: routing rules over several teams, subscriptions, HTTP and CLI (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from launchloop.errors import InvalidInput, NotFound
from launchloop.knowledge.database import Database
from launchloop.loop.feeds import build_feed, member_audience, team_feed
from launchloop.loop.subscriptions import check_subject, subscribe
from tests.knowledge_fixtures import as_role, kdb, new_project  # noqa: F401
from tests.loop_seed import NOW, TODAY, seed

WEEK_AGO = NOW - timedelta(days=7)


def _ids(feed: object, kind: str) -> set[int]:
    return {item.item_id for item in feed.of_kind(kind)}  # type: ignore[attr-defined]


def test_each_team_gets_what_it_observes_owns_or_follows(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        s = seed(session, project_id)
        feeds = {
            name: team_feed(session, project_id, name, since=WEEK_AGO, today=TODAY)
            for name in s.teams
        }
    sig, ins, act = s.signals, s.insights, s.actions
    assert _ids(feeds["product"], "signal") == {sig["s2"]}
    assert _ids(feeds["marketing"], "signal") == {sig["s1"]}
    assert _ids(feeds["support"], "signal") == {sig["s1"], sig["s4"]}
    assert _ids(feeds["tech"], "signal") == {sig["s3"]}
    assert _ids(feeds["product"], "draft_insight") == {ins["i1"]}
    assert _ids(feeds["tech"], "draft_insight") == {ins["i2"]}
    assert _ids(feeds["marketing"], "insight") == {ins["i3"]}
    assert not _ids(feeds["product"], "insight")  # i4 reaches alice, not her team
    assert _ids(feeds["tech"], "evaluation_due") == {act["a1"]}
    assert _ids(feeds["product"], "action") == {act["a2"]}
    reasons = {item.item_id: item.reasons for item in feeds["product"].of_kind("signal")}
    assert reasons[sig["s2"]] == ("signal:kpi_moved", "owns the KPI")
    support = {item.item_id: item.reasons for item in feeds["support"].of_kind("signal")}
    assert support[sig["s1"]] == ("launch:checkout-v2",)
    assert support[sig["s4"]] == ("feedback:support", "signal:theme_surge")


def test_a_member_gets_the_team_feed_and_what_the_member_follows(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        s = seed(session, project_id)
        audience = member_audience(session, project_id, s.members["alice"])
        feed = build_feed(session, project_id, audience, since=WEEK_AGO, today=TODAY)
    assert _ids(feed, "insight") == {s.insights["i4"]}
    assert _ids(feed, "signal") == {s.signals["s2"]}
    assert feed.name == "alice"


def test_the_window_leaves_old_signals_out(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        s = seed(session, project_id)
        month = team_feed(session, project_id, "tech", since=NOW - timedelta(days=31), today=TODAY)
    assert _ids(month, "signal") == {s.signals["s3"], s.signals["s5"]}


def test_subscriptions_are_checked_and_kept_once(kdb: Database) -> None:  # noqa: F811
    project_id = new_project(kdb)
    with kdb.session() as session:
        s = seed(session, project_id)
        admin = as_role(project_id, "admin")
        again = subscribe(session, admin, "launch:checkout-v2", team_id=s.teams["support"])
        first = subscribe(session, admin, " launch:checkout-v2", team_id=s.teams["support"])
        assert again.id == first.id
        with pytest.raises(InvalidInput):
            subscribe(session, admin, "kpi:x", member_id=s.members["alice"], team_id=1)
        with pytest.raises(NotFound):
            team_feed(session, project_id, "finance")
    with pytest.raises(InvalidInput):
        check_subject("team:product")
