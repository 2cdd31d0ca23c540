"""Access control of the web app's pages, generated from its routes (issue 12).

Every page route is called signed out, by a member of another project (on that project's
ids, and on its ids under the member's own project), and every page that writes by each role
below the one it needs. A new page without an expectation here fails the suite.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import NewProject, create_project
from launchloop.knowledge.roles import ROLES
from launchloop.web.ui import ROUTERS
from tests.conftest import Server
from tests.test_access_control import SECRET, seed
from tests.web_ui_fixtures import Person, csrf_of, make_user

#: Pages anyone may call, by design: signing in and out, the language, unsubscribe links and
#: a project's published changelog (issue 11); each is checked for leaks below.
PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("POST", "/language"),
    ("GET", "/u/{token}"),
    ("GET", "/changelog/{project_id}"),
    ("GET", "/changelog/{project_id}.atom"),
}
#: The least role that each page which writes needs (the project's default decision rules).
MIN_ROLE = {
    "/app/{project_id}/members": "admin",
    "/app/{project_id}/members/{member_id}/role": "admin",
    "/app/{project_id}/keys": "admin",
    "/app/{project_id}/keys/{token_id}/revoke": "admin",
    "/app/{project_id}/explore/evidence": "contributor",
    "/app/{project_id}/explore/kpi": "contributor",
    "/app/{project_id}/signals": "contributor",
    "/app/{project_id}/signals/{signal_id}/insight": "contributor",
    "/app/{project_id}/insights/{insight_id}/status": "contributor",
    "/app/{project_id}/insights/{insight_id}/revalidate": "contributor",
    "/app/{project_id}/insights/{insight_id}/comments": "contributor",
    "/app/{project_id}/insights/{insight_id}/validate": "decider",
    "/app/{project_id}/insights/{insight_id}/dismiss": "decider",  # retires it
    "/app/{project_id}/backlog/{action_id}/status": "contributor",
    "/app/{project_id}/backlog": "contributor",
    "/app/{project_id}/experiments/{experiment_id}/analyze": "contributor",
    "/app/{project_id}/experiments/{experiment_id}/decision": "decider",
    "/app/{project_id}/rituals/weekly/decisions": "contributor",
    "/app/{project_id}/notifications": "contributor",
    "/app/{project_id}/inbox/{feedback_id}/state": "contributor",
    "/app/{project_id}/inbox/{feedback_id}/merge": "contributor",
    "/app/{project_id}/closing/prepare": "contributor",
    "/app/{project_id}/closing/send": "contributor",
    "/app/{project_id}/closing/settings": "admin",
}
#: A valid form per page that writes, so that a refusal comes from the role, not the form.
FORMS: dict[str, dict[str, Any]] = {
    "/app/{project_id}/members": {"email": "newbie@a.test", "role": "viewer"},
    "/app/{project_id}/members/{member_id}/role": {"role": "admin"},
    "/app/{project_id}/keys": {"label": "l", "role": "admin"},
    "/app/{project_id}/explore/evidence": {
        "kind": "trend",
        "events": "$pageview",
        "insight_id": "{insight_id}",
    },
    "/app/{project_id}/explore/kpi": {"kind": "trend", "events": "$pageview", "name": "k1"},
    "/app/{project_id}/signals": {"text": "t"},
    "/app/{project_id}/insights/{insight_id}/status": {"status": "stale"},
    "/app/{project_id}/insights/{insight_id}/comments": {"body": "b"},
    "/app/{project_id}/backlog/{action_id}/status": {"status": "dropped"},
    "/app/{project_id}/backlog": {"insight": "{insight_id}", "kind": "fix", "title": "t"},
    "/app/{project_id}/experiments/{experiment_id}/decision": {
        "decision": "ship",
        "reason": "r",
        "variant": "b",
    },
    "/app/{project_id}/rituals/weekly/decisions": {"text": "t", "held_on": "2026-11-25"},
    "/app/{project_id}/notifications": {
        "channel": "email",
        "address": "a@example.com",
        "cadence": "daily",
    },
    "/app/{project_id}/inbox/{feedback_id}/state": {"state": "done"},
    "/app/{project_id}/inbox/{feedback_id}/merge": {"into_id": "{other_feedback_id}"},
    "/app/{project_id}/closing/settings": {"auto_send": "on"},
}
#: Objects a page must be given to be able to write (a draft to validate, a running experiment).
IDS_FOR = {
    "/app/{project_id}/insights/{insight_id}/validate": {"insight_id": "draft_id"},
    "/app/{project_id}/insights/{insight_id}/dismiss": {"insight_id": "other_draft_id"},
    "/app/{project_id}/insights/{insight_id}/status": {"insight_id": "other_insight_id"},
    "/app/{project_id}/backlog/{action_id}/status": {"action_id": "proposed_id"},
    "/app/{project_id}/experiments/{experiment_id}/analyze": {"experiment_id": "running_id"},
    "/app/{project_id}/experiments/{experiment_id}/decision": {"experiment_id": "running_id"},
}
#: Writes whose form, for the allowed role, legitimately writes nothing in this seed.
NO_WRITE_CONTROL = {
    "/app/{project_id}/insights/{insight_id}/revalidate",  # the insight has no saved query
    "/app/{project_id}/experiments/{experiment_id}/analyze",  # the experiment has no exposures
    "/app/{project_id}/closing/prepare",  # nothing shipped yet: no one to tell
    "/app/{project_id}/closing/send",  # no message prepared
}
#: Query strings a page needs to do its work (so that it reads the project, not just refuses).
QUERIES = {"/app/switch": {"project": "{project_id}"}, "/app/{project_id}/search": {"q": "trials"}}


def _routes() -> list[tuple[str, str]]:
    return [
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


ROUTES = _routes()
PAGES = [(m, p) for m, p in ROUTES if (m, p) not in PUBLIC]
WRITES = [(m, p) for m, p in PAGES if m == "POST"]


def _fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+?)\}", lambda m: str(ids.get(m.group(1), ids["any"])), path)


def _ids(path: str, ids: dict[str, int]) -> dict[str, int]:
    """``ids`` with the objects this page needs (IDS_FOR) where the seed has them."""
    return ids | {name: ids[key] for name, key in IDS_FOR.get(path, {}).items() if key in ids}


def _call(client: httpx.Client, method: str, path: str, ids: dict[str, int]) -> httpx.Response:
    """``method path`` with the ids, the page's query and form, and the session's CSRF token."""
    ids = _ids(path, ids)
    params = {k: _fill(v, ids) for k, v in QUERIES.get(path, {}).items()}
    if method == "GET":
        return client.get(_fill(path, ids), params=params)
    data = {k: _fill(str(v), ids) for k, v in FORMS.get(path, {}).items()}
    data["csrf_token"] = client.headers.get("x-csrf-token", "")
    return client.request(method, _fill(path, ids), params=params, data=data)


def _snapshot(server: Server) -> dict[str, list[str]]:
    """Every row of every table of the knowledge database: what a refused write must not touch."""
    path = server.settings.resolved_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=30) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    con.close()
    return rows


def _changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def _refused(
    server: Server,
    client: httpx.Client,
    method: str,
    path: str,
    ids: dict[str, int],
    *,
    for_role: bool = False,
) -> str | None:
    """None when the call is refused, else why not.

    Refused: a GET answers 403 or 404; a POST writes nothing, answers no 5xx and, for a role
    (``for_role``), says so: 403, or a redirect to a page whose message names the role needed.
    Nothing of project B is ever shown (``for_role`` calls are on the caller's own project).
    """
    before = _snapshot(server) if method != "GET" else {}
    answer = _call(client, method, path, ids)
    if not for_role and SECRET in answer.text:
        return f"{answer.status_code}, shows B's data"
    if method == "GET":
        return None if answer.status_code in (403, 404) else f"{answer.status_code}"
    changed = _changed(before, _snapshot(server))
    if answer.status_code >= 500 or changed:
        return f"{answer.status_code}, wrote {changed}"
    if for_role and answer.status_code != 403:
        shown = client.get(answer.headers["location"]).text if answer.is_redirect else answer.text
        if "needs the" not in shown:
            return f"{answer.status_code} without saying which role is needed"
    return None


def _signed_in(server: Server, person: Person) -> httpx.Client:
    """A browser-like client signed in as ``person``, its CSRF token in every request."""
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    token = csrf_of(client.get("/sign-in").text)
    done = client.post("/sign-in", data={"email": person.email, "password": person.password,
                                         "csrf_token": token})  # fmt: skip
    assert done.status_code == 303, done.text
    client.headers["x-csrf-token"] = csrf_of(client.get("/sign-in").text)
    return client


@pytest.fixture
def world(server: Server) -> dict[str, Any]:
    """Project A (the server's) and B, each seeded; an admin of A only; A's role holders."""
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        other: NewProject = create_project(session, name="Project B")
    database.dispose()
    headers = {"Authorization": f"Bearer {other.secret_token}"}
    with httpx.Client(base_url=server.url, timeout=60, headers=headers) as api:
        theirs = seed(api)
    with server.api() as api:
        mine = seed(api)
        mine |= _extras(api, mine["insight_id"])
    make_user(server.settings, None, email="newbie@a.test", name="Newbie")
    people = {
        role: make_user(
            server.settings, server.project, email=f"{role}@a.test", name=role, role=role
        )
        for role in ROLES
    }
    return {"b": other, "theirs": {**theirs, "project_id": other.id},
            "mine": {**mine, "project_id": server.project.id}, "people": people}  # fmt: skip


def _extras(api: httpx.Client, insight: int) -> dict[str, int]:
    """Objects of project A that the writes need: drafts, a running experiment, more feedback."""
    evidence = [{"kind": "feedback", "quote": "q"}]
    drafts = [api.post("/api/v1/insights", json={"statement": f"draft {n}", "evidence": evidence})
              .json()["id"] for n in (1, 2)]  # fmt: skip
    action = api.post("/api/v1/actions", json={
        "kind": "experiment", "title": "a", "insight_ids": [insight]}).json()["id"]  # fmt: skip
    running = api.post("/api/v1/experiments", json={
        "action_id": action, "name": "running", "feature_flag": "g",
        "variants": [{"name": "control"}, {"name": "b"}]}).json()["id"]  # fmt: skip
    assert api.post(f"/api/v1/experiments/{running}/start").status_code == 200
    more = api.post("/api/v1/feedback", json=[{"kind": "support_ticket", "text": "another"}])
    proposed = api.post("/api/v1/actions", json={
        "kind": "fix", "title": "f", "insight_ids": [insight]}).json()["id"]  # fmt: skip
    other = api.post("/api/v1/insights", json={"statement": "other", "evidence": evidence})
    assert api.post(f"/api/v1/insights/{other.json()['id']}/validate").status_code == 200
    return {"draft_id": drafts[0], "other_draft_id": drafts[1], "running_id": running,
            "other_feedback_id": more.json()["ids"][0], "proposed_id": proposed,
            "other_insight_id": other.json()["id"]}  # fmt: skip


def test_every_page_has_an_expectation() -> None:
    unknown = [f"{m} {p}" for m, p in PAGES if not p.startswith("/app")]
    unknown += [f"{m} {p}: no MIN_ROLE" for m, p in WRITES if p not in MIN_ROLE]
    assert not unknown, "add the page to PUBLIC or MIN_ROLE:\n" + "\n".join(unknown)
    assert len(PAGES) > 50 and all(p in {q for _, q in WRITES} for p in MIN_ROLE)


def test_signed_out_every_page_sends_to_sign_in(server: Server, world: dict[str, Any]) -> None:
    wrong = []
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as client:
        for method, path in PAGES:
            answer = _call(client, method, path, world["theirs"])
            to_sign_in = answer.status_code == 303 and answer.headers["location"].startswith(
                "/sign-in"
            )
            if not (to_sign_in or answer.status_code in (401, 403)) or SECRET in answer.text:
                wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
        for path in (f"/changelog/{world['b'].id}", f"/changelog/{world['b'].id}.atom",
                     "/u/not-a-token"):  # fmt: skip
            answer = client.get(path)
            if answer.status_code != 404 or SECRET in answer.text:
                wrong.append(f"GET {path}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_member_of_project_a_never_sees_project_b(server: Server, world: dict[str, Any]) -> None:
    """On B's pages, and on A's pages naming B's objects: refused, nothing of B shown or written."""
    wrong = []
    theirs_in_mine = {**world["theirs"], "project_id": world["mine"]["project_id"]}
    with closing(_signed_in(server, world["people"]["admin"])) as client:
        for method, path in PAGES:
            cases = [("B", world["theirs"])]
            if re.search(r"\{(?!project_id)\w+\}", path):
                cases.append(("A naming B's", theirs_in_mine))
            for where, ids in cases:
                if path == "/app":  # their one project's dashboard, not B's
                    answer = _call(client, method, path, ids)
                    mine = f"/app/{world['mine']['project_id']}/dashboard"
                    why = None if answer.headers.get("location") == mine else "not their project"
                elif path == "/app/switch":  # the switch redirects; B's dashboard refuses
                    answer = client.get(_call(client, method, path, ids).headers["location"])
                    why = None if answer.status_code == 403 else f"{answer.status_code}"
                    why = why if SECRET not in answer.text else "shows B's data"
                else:
                    why = _refused(server, client, method, path, ids)
                if why:
                    wrong.append(f"{method} {path} ({where}): {why}")
    assert not wrong, "\n".join(wrong)


def test_each_role_is_refused_the_writes_above_it(server: Server, world: dict[str, Any]) -> None:
    """Each role below a page's MIN_ROLE writes nothing; the MIN_ROLE holder's same post does."""
    wrong = []
    for role, person in world["people"].items():
        with closing(_signed_in(server, person)) as client:
            for method, path in WRITES:
                if ROLES.index(role) < ROLES.index(MIN_ROLE[path]):
                    why = _refused(server, client, method, path, world["mine"], for_role=True)
                    if why:
                        wrong.append(f"{role}: {method} {path}: {why}")
    for path, role in MIN_ROLE.items():  # the control: the same form does write for the role
        if path in NO_WRITE_CONTROL:
            continue
        with closing(_signed_in(server, world["people"][role])) as client:
            before = _snapshot(server)
            answer = _call(client, "POST", path, world["mine"])
            if not _changed(before, _snapshot(server)):
                said = re.findall(r'class="[^"]*(?:error|flash)[^"]*"[^>]*>([^<]*)', answer.text)
                wrong.append(
                    f"{role} (allowed): POST {path} wrote nothing: {answer.status_code} {said}"
                )
    assert not wrong, "\n".join(wrong)
