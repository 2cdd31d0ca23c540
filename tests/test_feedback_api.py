"""The feedback API on a live server, and the ``launchloop feedback`` commands (issue 6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
from typer.testing import CliRunner

import launchloop.cli.feedback  # noqa: F401  (registers the commands)
from launchloop.cli import app
from launchloop.config import Settings
from launchloop.knowledge.projects import NewProject
from tests.conftest import Server
from tests.test_feedback_understanding import PROBLEMS


def test_a_batch_keeps_good_rows_and_explains_bad_ones(server: Server) -> None:
    rows = [
        {"kind": "support_ticket", "text": "The export is broken", "external_id": "z-1"},
        {"kind": "support_ticket", "text": ""},
        {"kind": "rumour", "text": "hello"},
        {"kind": "nps", "text": "bof", "score": 12},
        {"kind": "review", "text": "y" * 100_000},
        {"kind": "nps", "text": "", "score": 10, "author": "u1"},
    ]
    body = json.dumps(rows).encode()
    # A row with bytes that are not UTF-8, spliced into the raw body.
    body = body[:-1] + b', {"kind": "in_app", "text": "caf\xe9"}]'
    with server.api() as api:
        answer = api.post("/api/v1/feedback", content=body)
        again = api.post("/api/v1/feedback", json=rows[:1])
        listed = api.get("/api/v1/feedback", params={"kind": "nps"}).json()
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["accepted"] == 2 and len(result["ids"]) == 2
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [
        (1, "text"),
        (2, "kind"),
        (3, "score"),
        (4, "text"),
        (6, "text"),
    ]
    assert "UTF-8" in result["rejected"][-1]["reason"]
    assert "100" in result["rejected"][3]["reason"] or "limit" in result["rejected"][3]["reason"]
    assert again.json() == {"accepted": 0, "duplicates": 1, "ids": [], "rejected": []}
    assert [(i["kind"], i["score"], i["sentiment"], i["author"]) for i in listed] == [
        ("nps", 10.0, "positive", "u1")
    ]


def test_public_key_sends_in_app_kinds_only(server: Server) -> None:
    rows = [{"kind": "in_app", "text": "Love it"}, {"kind": "support_ticket", "text": "Help"}]
    public = {"Authorization": f"Bearer {server.project.public_key}"}
    answer = httpx.post(f"{server.url}/api/v1/feedback", json=rows, headers=public)
    in_body = httpx.post(
        f"{server.url}/api/v1/feedback",
        json={"api_key": server.project.public_key, "items": rows[:1]},
    )
    nobody = httpx.post(f"{server.url}/api/v1/feedback", json=rows)
    reading = httpx.get(f"{server.url}/api/v1/feedback", headers=public)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    assert answer.json()["rejected"][0]["index"] == 1
    assert in_body.json()["accepted"] == 1
    assert nobody.status_code == 401
    assert reading.status_code == 401  # the public key writes, never reads


def test_a_batch_of_only_bad_rows_is_a_400(server: Server) -> None:
    with server.api() as api:
        answer = api.post("/api/v1/feedback", json=[{"kind": "nps", "text": "x", "score": -1}])
        broken = api.post("/api/v1/feedback", content=b"{not json")
    assert answer.status_code == 400 and answer.json()["rejected"][0]["field"] == "score"
    assert broken.status_code == 400


def test_themes_over_http(server: Server) -> None:
    now = datetime.now(UTC)
    rows = [
        {"kind": "support_ticket", "text": text, "author": f"u{n}", "time": now.isoformat()}
        for n, text in enumerate(PROBLEMS["submit"] + PROBLEMS["export"])
    ]
    rows.append(
        {
            "kind": "support_ticket",
            "text": PROBLEMS["submit"][0],
            "author": "old",
            "time": (now - timedelta(days=10)).isoformat(),
        }
    )
    with server.api() as api:
        assert api.post("/api/v1/feedback", json=rows).json()["accepted"] == 9
        refreshed = api.post("/api/v1/feedback/themes/refresh", params={"recluster": True})
        themes = api.get("/api/v1/feedback/themes", params={"period": "7d"}).json()
        bad = api.get("/api/v1/feedback/themes", params={"period": "soon"})
        first = themes[0]["id"]
        renamed = api.post(f"/api/v1/feedback/themes/{first}/rename", json={"name": "Silence"})
        missing = api.post("/api/v1/feedback/themes/9999/rename", json={"name": "x"})
        items = api.get("/api/v1/feedback", params={"theme_id": first}).json()
        other = themes[1]["id"]
        merged = api.post(f"/api/v1/feedback/themes/{first}/merge", json={"others": [other]})
        split = api.post(f"/api/v1/feedback/themes/{first}/split", json={"parts": 2})
        bad_split = api.post(f"/api/v1/feedback/themes/{first}/split", json={"parts": 1})
    assert refreshed.status_code == 200 and refreshed.json()["embedded"] == 9
    assert bad.status_code == 422
    assert renamed.json()["name"] == "Silence" and missing.status_code == 404
    volumes = sorted((t["volume"], t["previous_volume"], t["persons"]) for t in themes)
    # Each problem's 4 items this week from 4 authors; the old submit ticket is last week's.
    assert volumes == [(4, 0, 4), (4, 1, 4)]
    assert all(item["theme_id"] == first for item in items) and items
    assert merged.status_code == 200 and merged.json()["size"] == 9
    assert merged.json()["name"] == "Silence"
    parts = split.json()
    assert split.status_code == 200 and parts[0]["id"] == first
    assert sorted(p["size"] for p in parts) == [4, 5]  # the two problems again
    assert bad_split.status_code == 422


def test_cli_import_add_and_themes(settings: Settings, project: NewProject, tmp_path: Path) -> None:
    export = tmp_path / "tickets.jsonl"
    records = [
        {"id": n, "subject": "", "description": text, "requester": {"email": f"p{n}@x.io"}}
        for n, text in enumerate(PROBLEMS["login"] + PROBLEMS["export"])
    ]
    export.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    common = ["--data-dir", str(settings.data_dir)]
    runner = CliRunner()
    first = runner.invoke(
        app, ["feedback", "import", str(export), "--preset", "zendesk", "--json", *common]
    )
    again = runner.invoke(
        app, ["feedback", "import", str(export), "--preset", "zendesk", "--json", *common]
    )
    added = runner.invoke(
        app, ["feedback", "add", "Client says the CSV export is missing columns", *common]
    )
    empty = runner.invoke(app, ["feedback", "add", "   ", *common])
    themes = runner.invoke(app, ["feedback", "themes", "--count", "2", "--json", *common])
    assert first.exit_code == 0, first.output
    assert orjson.loads(first.output)["stored"] == 8
    assert orjson.loads(again.output)["duplicates"] == 8
    assert added.exit_code == 0 and "added" in added.output
    assert empty.exit_code != 0
    assert themes.exit_code == 0, themes.output
    ranked = orjson.loads(themes.output)
    assert sorted(t["volume"] for t in ranked) == [4, 5]  # the observation joins the export
    assert sorted(t["persons"] for t in ranked) == [4, 4]  # the observation has no author
    one, two = ranked[0]["id"], ranked[1]["id"]
    renamed = runner.invoke(app, ["feedback", "rename", str(one), "Exports", *common])
    merged = runner.invoke(app, ["feedback", "merge", str(one), str(two), *common])
    split = runner.invoke(app, ["feedback", "split", str(one), *common])
    missing = runner.invoke(app, ["feedback", "rename", "999", "x", *common])
    after = runner.invoke(app, ["feedback", "themes", "--json", *common])
    assert renamed.exit_code == 0 and "renamed" in renamed.output
    assert merged.exit_code == 0 and "holds 9 items" in merged.output
    assert split.exit_code == 0, split.output
    assert missing.exit_code != 0
    names = {t["id"]: t["name"] for t in orjson.loads(after.output)}
    assert len(names) == 2 and names[one] == "Exports"
