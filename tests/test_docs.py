"""Docs as tests: every CLI command, setting and API route is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from launchloop.config import Settings

DOCS = Path(__file__).parent.parent / "docs"


def _commands() -> list[str]:
    from launchloop.cli import app, register_commands

    register_commands()
    root = typer.main.get_command(app)
    found: list[str] = []

    def walk(command: object, prefix: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}")
        else:
            found.append(prefix)

    walk(root, "launchloop")
    return found


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_docs_cli(command: str) -> None:
    assert f"## {command}\n" in (DOCS / "cli.md").read_text(), f"{command} missing from docs/cli.md"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_in_docs_configuration(name: str) -> None:
    text = (DOCS / "configuration.md").read_text()
    assert f"`{name}`" in text and f"`LAUNCHLOOP_{name.upper()}`" in text


def test_every_api_route_is_in_docs_api(tmp_path: Path) -> None:
    from launchloop.config import load_settings
    from launchloop.web.app import create_app

    text = (DOCS / "api.md").read_text()
    paths = create_app(load_settings(data_dir=tmp_path)).openapi()["paths"]
    missing = [path for path in paths if f"`{path}" not in text and f"{path}`" not in text]
    assert not missing, f"routes missing from docs/api.md: {missing}"


def test_every_command_has_help() -> None:
    from launchloop.cli import app

    _commands()  # registers every command module
    root = typer.main.get_command(app)
    undocumented = [
        name
        for name, cmd in root.commands.items()  # type: ignore[attr-defined]
        if not (cmd.help or "").strip()
    ]
    assert not undocumented
