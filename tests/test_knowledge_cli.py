"""``launchloop insight / action / signal`` on a real data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from launchloop.cli import actions, app, archive, knowledge, search, setup, signals  # noqa: F401
from launchloop.config import Settings
from launchloop.knowledge.projects import NewProject

runner = CliRunner()


def _run(settings: Settings, *args: str) -> object:
    result = runner.invoke(app, [*args, "--data-dir", str(settings.data_dir), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_insight_to_action_from_the_command_line(settings: Settings, project: NewProject) -> None:
    signal = _run(settings, "signal", "add", "funnel_drop", "Validation step lost 37%")
    query = json.dumps({"steps": [{"event": "form_started"}, {"event": "form_submitted"}]})
    insight = _run(
        settings,
        "insight",
        "add",
        "37% abandon before validation",
        "--tag",
        "Form",
        "--quote",
        "nothing happens",
        "--query",
        query,
        "--figure",
        "0.37",
        "--signal",
        str(signal["id"]),
        "--author",
        "ana",
    )
    assert (insight["status"], insight["confidence"], insight["tags"]) == ("draft", 0.8, ["form"])
    assert [e["kind"] for e in insight["evidence"]] == ["feedback", "query", "signal"]
    validated = _run(settings, "insight", "validate", str(insight["id"]), "--author", "dan")
    assert (validated["status"], validated["validated_by"]) == ("validated", "dan")
    listed = _run(settings, "insight", "list", "--status", "validated")
    assert [i["id"] for i in listed] == [insight["id"]]
    action = _run(
        settings,
        "action",
        "add",
        "Spinner on submit",
        "--kind",
        "experiment",
        "--insight",
        str(insight["id"]),
        "--effort",
        "1",
    )
    assert action["status"] == "proposed"
    result = runner.invoke(
        app, ["action", "move", str(action["id"]), "planned", "--data-dir", str(settings.data_dir)]
    )
    assert "missing observation, hypothesis, impact KPI, evaluation date" in str(result.exception)
    shown = _run(settings, "action", "show", str(action["id"]))
    assert shown["insight_ids"] == [insight["id"]] and shown["status"] == "proposed"
    assert [s["kind"] for s in _run(settings, "signal", "list")] == ["funnel_drop"]


def test_errors_are_one_line_and_exit_2(settings: Settings, project: NewProject) -> None:
    env = {**os.environ, "LAUNCHLOOP_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "launchloop", "insight", "show", "999"],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(settings.data_dir).parent,
        check=False,
    )
    assert done.returncode == 2
    assert "no insight 999 in this project" in done.stderr


def test_search_markdown_export_and_import(
    settings: Settings, project: NewProject, tmp_path: Path
) -> None:
    insight = _run(settings, "insight", "add", "Users abandon the signup form", "--quote", "slow")
    hits = _run(settings, "search", "abandoning", "--kind", "insight")
    assert [(h["kind"], h["id"]) for h in hits] == [("insight", insight["id"])]
    shown = runner.invoke(
        app, ["insight", "markdown", str(insight["id"]), "--data-dir", str(settings.data_dir)]
    )
    assert shown.output.startswith(f"# Insight {insight['id']}: Users abandon the signup form\n")
    assert _run(settings, "insight", "stale") == []
    exported = tmp_path / "knowledge.json"
    done = runner.invoke(
        app, ["knowledge", "export", str(exported), "--data-dir", str(settings.data_dir)]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(exported.read_text())["tables"]["evidence"][0]["quote"] == "slow"
    other = tmp_path / "other"
    runner.invoke(app, ["init", "--data-dir", str(other)])
    done = runner.invoke(app, ["knowledge", "import", str(exported), "--data-dir", str(other)])
    assert done.exit_code == 0, done.output
    copied = runner.invoke(app, ["insight", "list", "--data-dir", str(other), "--json"])
    assert [i["statement"] for i in json.loads(copied.output)] == ["Users abandon the signup form"]
