"""The knowledge API on a live server: the loop over HTTP, roles, isolation, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from launchloop.knowledge.database import Database
from launchloop.knowledge.projects import create_project
from tests.conftest import Server

QUERY = {"kind": "funnel", "steps": [{"event": "form_started"}, {"event": "form_submitted"}]}


def _insight(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {
        "statement": "37% of users abandon before validation",
        "tags": ["form"],
        "evidence": [
            {"kind": "query", "query": QUERY, "figure": 0.37, "figure_label": "abandon rate"},
            {"kind": "feedback", "quote": "I clicked submit and nothing happened"},
        ],
    } | extra
    answer = api.post("/api/v1/insights", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _token_for(api: httpx.Client, name: str, role: str) -> dict[str, str]:
    member = api.post("/api/v1/members", json={"name": name, "role": role})
    assert member.status_code == 201, member.text
    token = api.post(f"/api/v1/members/{member.json()['id']}/tokens").json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _send_events(server: Server, persons: list[str]) -> None:
    now = datetime.now(UTC)
    events = [
        {
            "event": "form_started",
            "distinct_id": person,
            "uuid": f"{person}-started",
            "timestamp": (now - timedelta(days=1 + i)).isoformat(),
        }
        for i, person in enumerate(persons)
    ]
    body = {"api_key": server.project.public_key, "events": events}
    answer = httpx.post(f"{server.url}/api/v1/events", json=body, timeout=30)
    assert answer.json()["accepted"] == len(persons)


def test_the_loop_over_http(server: Server) -> None:
    api = server.api()
    insight = _insight(api)
    assert (insight["status"], insight["confidence"]) == ("draft", 0.8)
    validated = api.post(f"/api/v1/insights/{insight['id']}/validate").json()
    assert (validated["status"], validated["validated_by"]) == ("validated", "default")
    kpi = api.post(
        "/api/v1/kpis",
        json={"name": "completion", "kind": "funnel_conversion", "events": ["start", "done"]},
    ).json()
    action = api.post(
        "/api/v1/actions",
        json={
            "kind": "experiment",
            "title": "Show progress on submit",
            "insight_ids": [insight["id"]],
            "baseline": 0.63,
            "expected_change": 0.07,
            "effort": 2,
        },
    ).json()
    refused = api.post(f"/api/v1/actions/{action['id']}/status", json={"status": "planned"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == (
        "cannot leave proposed: missing observation, hypothesis, impact KPI, evaluation date"
    )
    ready = {
        "observation": "37% abandon",
        "hypothesis": "if the button shows progress, completion rises 7 points",
        "impact_kpi_id": kpi["id"],
        "evaluation_date": "2027-01-15",
    }
    assert api.patch(f"/api/v1/actions/{action['id']}", json=ready).status_code == 200
    planned = api.post(f"/api/v1/actions/{action['id']}/status", json={"status": "planned"})
    assert planned.json()["status"] == "planned"
    _send_events(server, ["p1", "p2", "p3", "p4"])
    priority = api.post(f"/api/v1/actions/{action['id']}/priority").json()
    # 4 persons; 0.07 / 0.63 = 11.1% -> impact 2; usage + feedback -> 0.8; effort 2.
    assert priority["reach_events"] == ["form_started", "form_submitted"]
    assert (priority["reach"], priority["impact"], priority["confidence"]) == (4, 2.0, 0.8)
    assert priority["score"] == 4 * 2.0 * 0.8 / 2
    assert api.get("/api/v1/actions").json()[0]["priority_score"] == priority["score"]
    verbs = [c["verb"] for c in api.get(f"/api/v1/history/action/{action['id']}").json()]
    assert verbs == ["created", "updated", "planned", "prioritized"]


def test_experiment_decision_and_learning_over_http(server: Server) -> None:
    api = server.api()
    insight = _insight(api)
    api.post(f"/api/v1/insights/{insight['id']}/validate")
    action = api.post(
        "/api/v1/actions",
        json={"kind": "experiment", "title": "t", "insight_ids": [insight["id"]]},
    ).json()
    variants = [{"name": "control"}, {"name": "spinner"}]
    experiment = api.post(
        "/api/v1/experiments",
        json={"action_id": action["id"], "name": "e", "variants": variants, "feature_flag": "f"},
    ).json()
    assert api.post(f"/api/v1/experiments/{experiment['id']}/start").json()["status"] == "running"
    snapshot = {"method": "bayesian", "snapshot": {"chance_to_win": 0.97}}
    posted = api.post(f"/api/v1/experiments/{experiment['id']}/analyses", json=snapshot)
    assert posted.status_code == 201
    decided = api.post(
        f"/api/v1/experiments/{experiment['id']}/decision",
        json={"decision": "ship", "reason": "97% chance to win, no guardrail moved"},
    ).json()
    assert (decided["decision"], len(decided["analyses"])) == ("ship", 1)
    learning = api.post(
        "/api/v1/learnings",
        json={
            "title": "Feedback on submit",
            "tried": "a spinner",
            "decision": "ship",
            "experiment_id": experiment["id"],
            "generalize": True,
        },
    )
    assert learning.status_code == 201 and learning.json()["action_id"] == action["id"]
    comment = {
        "item_kind": "learning",
        "item_id": learning.json()["id"],
        "body": "apply to checkout",
    }
    assert api.post("/api/v1/comments", json=comment).status_code == 201
    listed = api.get(f"/api/v1/comments/learning/{learning.json()['id']}").json()
    assert [c["body"] for c in listed] == ["apply to checkout"]


def test_roles_viewer_reads_contributor_writes_decider_validates(server: Server) -> None:
    api = server.api()
    viewer = _token_for(api, "Vic", "viewer")
    writer = _token_for(api, "Cora", "contributor")
    decider = _token_for(api, "Dana", "decider")
    insight = _insight(api)
    url = f"/api/v1/insights/{insight['id']}"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get(url, headers=viewer).status_code == 200
        denied = client.post("/api/v1/insights", json={"statement": "x"}, headers=viewer)
        assert denied.status_code == 403 and "contributor" in denied.json()["detail"]
        assert client.post(f"{url}/validate", headers=viewer).status_code == 403
        assert client.post(f"{url}/validate", headers=writer).status_code == 403
        assert (
            client.post("/api/v1/members", json={"name": "x"}, headers=decider).status_code == 403
        )
        assert client.post(f"{url}/validate", headers=decider).json()["validated_by"] == "Dana"
        rule = {"role": "contributor"}
        assert (
            client.put(
                "/api/v1/decision-roles/accept_action", json=rule, headers=decider
            ).status_code
            == 403
        )
    assert api.put("/api/v1/decision-roles/accept_action", json=rule).json() == {
        "validate_insight": "decider",
        "accept_action": "contributor",
        "decide_experiment": "decider",
    }


def test_a_token_of_another_project_gets_404(server: Server) -> None:
    api = server.api()
    insight = _insight(api)
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Other product")
    database.dispose()
    headers = {"Authorization": f"Bearer {other.secret_token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as theirs:
        url = f"/api/v1/insights/{insight['id']}"
        assert theirs.get(url).status_code == 404
        assert theirs.post(f"{url}/validate").status_code == 404
        assert (
            theirs.post(f"{url}/evidence", json={"kind": "feedback", "quote": "x"}).status_code
            == 404
        )
        assert theirs.get(f"/api/v1/history/insight/{insight['id']}").status_code == 404
        assert theirs.get(f"/api/v1/comments/insight/{insight['id']}").status_code == 404
        assert theirs.get("/api/v1/insights").json() == []
        refused = theirs.post(
            "/api/v1/actions", json={"kind": "fix", "title": "t", "insight_ids": [insight["id"]]}
        )
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["insight_ids"]


def test_bad_input_gets_4xx_with_the_reason_and_nothing_half_written(server: Server) -> None:
    api = server.api()
    assert httpx.get(f"{server.url}/api/v1/insights").status_code == 401
    missing = api.post("/api/v1/insights", json={"context": "no statement"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"][-1] == "statement"
    huge = api.post("/api/v1/insights", json={"statement": "x" * 1_000_000})
    assert huge.status_code == 422 and "10000" in huge.text
    assert api.get("/api/v1/insights/4242").status_code == 404
    half = api.post(
        "/api/v1/insights",
        json={
            "statement": "good statement, bad second evidence",
            "evidence": [{"kind": "feedback", "quote": "ok"}, {"kind": "signal", "signal_id": 999}],
        },
    )
    assert half.status_code == 422 and half.json()["detail"][0]["loc"] == ["signal_id"]
    assert api.get("/api/v1/insights").json() == []
    insight = _insight(api)
    moved = api.post(f"/api/v1/insights/{insight['id']}/status", json={"status": "stale"})
    assert moved.status_code == 422 and "from draft to stale" in moved.text
    unknown = api.post(f"/api/v1/insights/{insight['id']}/status", json={"status": "done"})
    assert unknown.status_code == 422


def test_search_similar_markdown_and_export_over_http(server: Server) -> None:
    api = server.api()
    insight = _insight(api)
    api.post(f"/api/v1/insights/{insight['id']}/validate")
    hits = api.get("/api/v1/search", params={"q": "abandoning validation"}).json()
    assert [(h["kind"], h["id"]) for h in hits] == [("insight", insight["id"])]
    quotes = api.get("/api/v1/search", params={"q": "submit", "kind": "quote"}).json()
    assert [(h["kind"], h["insight_id"]) for h in quotes] == [("quote", insight["id"])]
    assert api.get("/api/v1/search", params={"q": "?!"}).status_code == 422
    similar = api.post("/api/v1/similar", json={"text": "users abandon the form", "by": "words"})
    assert similar.json()["method"] == "words"
    assert similar.json()["items"][0]["id"] == insight["id"]
    markdown = api.get(f"/api/v1/insights/{insight['id']}/markdown")
    assert markdown.headers["content-type"].startswith("text/plain")
    assert markdown.text.startswith(f"# Insight {insight['id']}: 37% of users abandon")
    assert api.post("/api/v1/insights/stale").json() == []
    exported = api.get("/api/v1/knowledge/export").json()
    assert [i["statement"] for i in exported["tables"]["insights"]] == [insight["statement"]]
    refused = api.post("/api/v1/knowledge/import", json=exported)
    assert refused.status_code == 422 and "without insights" in refused.text
    database = Database(server.settings.resolved_database_url)
    with database.session() as session:
        other = create_project(session, name="Copy")
    database.dispose()
    headers = {"Authorization": f"Bearer {other.secret_token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as copy:
        assert copy.post("/api/v1/knowledge/import", json=exported).json()["evidence"] == 2
        copied = copy.get("/api/v1/insights").json()
        assert [(i["statement"], i["status"]) for i in copied] == [
            (insight["statement"], "validated")
        ]


def test_a_role_change_reaches_the_members_tokens_and_times_are_utc(server: Server) -> None:
    api = server.api()
    decider = _token_for(api, "Dana", "decider")
    insight = _insight(api)
    assert insight["created_at"].endswith("+00:00") or insight["created_at"].endswith("Z")
    members = api.get("/api/v1/members").json()
    dana = next(m for m in members if m["name"] == "Dana")
    demoted = api.post(f"/api/v1/members/{dana['id']}/role", json={"role": "viewer"})
    assert demoted.json()["role"] == "viewer"
    url = f"{server.url}/api/v1/insights/{insight['id']}/validate"
    assert httpx.post(url, headers=decider, timeout=30).status_code == 403
    bad = api.post(f"/api/v1/members/{dana['id']}/role", json={"role": "owner"})
    assert bad.status_code == 422
    teams = api.get("/api/v1/teams").json()
    assert [t["name"] for t in teams] == ["product", "marketing", "support", "tech"]
