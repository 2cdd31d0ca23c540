"""Access control generated from the route table (issue 12): a new route is checked at once.

Every ``/api/v1`` route is called with no key, a bad key, the public ingestion key, a token of
another project on that project's ids, and a viewer token on writes.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from launchloop.web.api import capture
from launchloop.web.app import ROUTERS
from tests.conftest import Server

INGESTION = {route.path for route in capture.router.routes if isinstance(route, APIRoute)}
#: Called by the feedback widget in a product's page with the public key, by design (issue 4).
WIDGET = {("POST", "/api/v1/feedback"), ("GET", "/api/v1/surveys")}
SECRET = "Theirs: 41% of trials churn after the import step"


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every /api/v1 route but ingestion."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            api = isinstance(route, APIRoute) and route.path.startswith("/api/v1")
            if api and route.path not in INGESTION:
                found.extend((method, route.path) for method in sorted(route.methods))
    return found


#: A valid body per write route (by path), so that a refusal comes from the role, not the body.
BODIES: dict[str, Any] = {
    "/api/v1/actions": {"kind": "fix", "title": "t", "insight_ids": [1]},
    "/api/v1/actions/{action_id}/status": {"status": "planned"},
    "/api/v1/comments": {"item_kind": "insight", "item_id": 1, "body": "x"},
    "/api/v1/experiments": {
        "action_id": 1,
        "name": "e",
        "variants": [{"name": "a"}, {"name": "b"}],
    },
    "/api/v1/experiments/power": {"baseline": 0.2, "mde": 0.1},
    "/api/v1/experiments/{experiment_id}/analyses": {"method": "bayesian", "snapshot": {}},
    "/api/v1/experiments/{experiment_id}/decision": {"decision": "ship", "reason": "r"},
    "/api/v1/feedback/themes/{theme_id}/merge": {"others": [1]},
    "/api/v1/feedback/themes/{theme_id}/rename": {"name": "n"},
    "/api/v1/feedback/{feedback_id}/merge": {"into_id": 1},
    "/api/v1/feedback/{feedback_id}/state": {"state": "done"},
    "/api/v1/insights": {"statement": "s"},
    "/api/v1/insights/{insight_id}/evidence": {"kind": "feedback", "quote": "q"},
    "/api/v1/insights/{insight_id}/status": {"status": "stale"},
    "/api/v1/kpis": {"name": "k", "kind": "count", "events": ["e"]},
    "/api/v1/launches": {"name": "l"},
    "/api/v1/learnings": {"title": "t", "tried": "x", "decision": "ship"},
    "/api/v1/members": {"name": "m"},
    "/api/v1/members/{member_id}/role": {"role": "admin"},
    "/api/v1/decision-roles/{decision}": {"role": "viewer"},
    "/api/v1/rituals/decisions": {"ritual": "weekly", "text": "t", "held_on": "2026-11-25"},
    "/api/v1/signals": {"kind": "observation", "text": "t"},
    "/api/v1/subscriptions": {"subject": "tag:x", "member_id": 1},
    "/api/v1/teams": {"name": "t"},
    "/api/v1/tokens": {"label": "l", "role": "admin"},
    "/api/v1/members/{member_id}/notifications": {"channel": "email", "address": "a@b.test"},
}
#: POST routes that compute an answer and write nothing: viewers may call them.
READS_BY_POST = {"/api/v1/similar", "/api/v1/experiments/power", "/api/v1/feedback"}

ROUTES = _routes()
WRITES = [(m, p) for m, p in ROUTES if m in ("POST", "PUT", "PATCH", "DELETE")]


def _fill(path: str, ids: dict[str, int]) -> str:
    """The path with each ``{x_id}`` set to project B's object of that kind (or B's first)."""
    fixed = {"decision": "validate_insight", "cadence": "daily"} | ids
    return re.sub(r"\{(\w+?)(?::path)?\}", lambda m: str(fixed.get(m.group(1), ids["any"])), path)


def _call(
    server: Server, method: str, path: str, ids: dict[str, int], key: str | None
) -> httpx.Response:
    """``method path`` with the ids filled in, a valid body where known, and ``key``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = None if method in ("GET", "DELETE") else BODIES.get(path, {})
    url = f"{server.url}{_fill(path, ids)}"
    return httpx.request(method, url, json=body, headers=headers, timeout=30)


def _made(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def seed(api: httpx.Client) -> dict[str, int]:
    """One object of each kind in the project of ``api``'s token: their ids by path parameter."""
    insight = _made(api.post("/api/v1/insights", json={"statement": SECRET, "evidence": [
        {"kind": "feedback", "quote": SECRET}]}))  # fmt: skip
    _made(api.post(f"/api/v1/insights/{insight['id']}/validate"))
    action = _made(api.post("/api/v1/actions", json={
        "kind": "experiment", "title": SECRET, "insight_ids": [insight["id"]]}))  # fmt: skip
    experiment = _made(api.post("/api/v1/experiments", json={
        "action_id": action["id"], "name": SECRET, "feature_flag": "f",
        "variants": [{"name": "control"}, {"name": "b"}]}))  # fmt: skip
    _made(api.post(f"/api/v1/experiments/{experiment['id']}/start"))
    _made(api.post(f"/api/v1/experiments/{experiment['id']}/decision", json={
        "decision": "ship", "reason": SECRET}))  # fmt: skip
    learning = _made(api.post("/api/v1/learnings", json={
        "title": SECRET, "tried": "x", "decision": "ship",
        "experiment_id": experiment["id"]}))  # fmt: skip
    signal = _made(api.post("/api/v1/signals", json={"kind": "observation", "text": SECRET}))
    feedback = _made(api.post("/api/v1/feedback", json=[
        {"kind": "support_ticket", "text": f"{SECRET} {n}"} for n in range(3)]))  # fmt: skip
    _made(api.post("/api/v1/feedback/themes/refresh", params={"recluster": True}))
    themes = _made(api.get("/api/v1/feedback/themes"))
    member = _made(api.post("/api/v1/members", json={"name": "Bea", "role": "viewer"}))
    team = _made(api.post("/api/v1/teams", json={"name": "growth-b"}))
    subscription = _made(api.post("/api/v1/subscriptions", json={
        "subject": "tag:secret", "team_id": team["id"]}))  # fmt: skip
    return {
        "insight_id": insight["id"],
        "evidence_id": insight["evidence"][0]["id"],
        "action_id": action["id"],
        "experiment_id": experiment["id"],
        "learning_id": learning["id"],
        "signal_id": signal["id"],
        "feedback_id": feedback["ids"][0],
        "theme_id": themes[0]["id"] if themes else 1,
        "member_id": member["id"],
        "team_id": team["id"],
        "token_id": _made(api.get("/api/v1/tokens"))[0]["id"],
        "subscription_id": subscription["id"],
        "any": insight["id"],
    }


@pytest.fixture
def other(server: Server) -> dict[str, Any]:
    """Project B with one object of each kind: the ids project A's token asks for."""
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        made = create_project(session, name="Project B")
    database.dispose()
    headers = {"Authorization": f"Bearer {made.secret_token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as api:
        ids = seed(api)
    return {"project": made, "ids": ids}


def test_the_route_table_is_walked() -> None:
    assert len(ROUTES) > 50 and any("{insight_id}" in p for _, p in ROUTES)


def test_no_key_bad_key_and_public_key_are_refused(server: Server) -> None:
    leaks = []
    ids = {"any": 1}
    for method, path in ROUTES:
        for key in (None, "not-a-key", server.project.public_key):
            answer = _call(server, method, path, ids, key)
            if key == server.project.public_key and (method, path) in WIDGET:
                continue
            if answer.status_code not in (401, 403):
                leaks.append(f"{method} {path} key={key!r}: {answer.status_code}")
    assert not leaks, "\n".join(leaks)


def test_a_token_of_project_a_never_reaches_project_b(
    server: Server, other: dict[str, Any]
) -> None:
    leaks = []
    for method, path in ROUTES:
        if not re.search(r"_id(:path)?\}", path):  # routes that name an object by its id
            continue
        answer = _call(server, method, path, other["ids"], server.project.secret_token)
        if answer.status_code not in (404, 422) or SECRET in answer.text:
            leaks.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
    assert not leaks, "\n".join(leaks)


def test_a_viewer_token_is_refused_every_write(server: Server) -> None:
    with server.api() as api:
        ids = seed(api)
        member = api.post("/api/v1/members", json={"name": "Vic", "role": "viewer"}).json()
        viewer = api.post(f"/api/v1/members/{member['id']}/tokens").json()["token"]
    wrong = []
    for method, path in WRITES:
        if path in READS_BY_POST or path.startswith("/api/v1/query/"):
            continue
        answer = _call(server, method, path, ids, viewer)
        if answer.status_code != 403:
            wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:150]}")
    assert not wrong, "\n".join(wrong)
