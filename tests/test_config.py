"""Settings: defaults, launchloop.toml, env vars, explicit overrides — in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchloop.config import load_settings


def test_defaults_put_both_stores_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAUNCHLOOP_DATA_DIR", raising=False)
    settings = load_settings(data_dir=Path("/srv/ll"))
    assert settings.resolved_events_url == "duckdb:////srv/ll/events.duckdb"
    assert settings.resolved_database_url == "sqlite:////srv/ll/launchloop.db"


def test_env_overrides_toml_and_options_override_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "launchloop.toml"
    toml.write_text('port = 9001\nmax_batch_events = 10\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("LAUNCHLOOP_CONFIG", str(toml))
    monkeypatch.setenv("LAUNCHLOOP_PORT", "9002")
    settings = load_settings()
    assert (settings.port, settings.max_batch_events, settings.host) == (9002, 10, "0.0.0.0")
    assert load_settings(port=9003).port == 9003
    assert load_settings(port=None).port == 9002


def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUNCHLOOP_PORT", "eighty")
    with pytest.raises(ValueError, match="port"):
        load_settings()
