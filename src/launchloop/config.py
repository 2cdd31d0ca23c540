"""Settings: env vars ``LAUNCHLOOP_*`` override ``launchloop.toml``, which overrides defaults.

Every setting is one field below: its name, default and help. ``docs/configuration.md`` lists
them all (a test keeps the two in step).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _toml_path() -> Path:
    return Path(os.environ.get("LAUNCHLOOP_CONFIG", "launchloop.toml"))


class Settings(BaseSettings):
    """launchloop's settings; read them with :func:`load_settings`."""

    model_config = SettingsConfigDict(env_prefix="LAUNCHLOOP_", extra="ignore")

    data_dir: Path = Field(Path(".launchloop"), description="Folder of the embedded stores.")
    events_url: str = Field(
        "",
        description="Event store: duckdb:///path (default: <data_dir>/events.duckdb), "
        "chdb:///path (ClickHouse in-process) or clickhouse://user:pass@host:8123/db.",
    )
    database_url: str = Field(
        "", description="Knowledge database (default: sqlite:///<data_dir>/launchloop.db)."
    )
    host: str = Field("127.0.0.1", description="Address that `launchloop serve` listens on.")
    port: int = Field(8000, description="Port that `launchloop serve` listens on.")
    max_body_bytes: int = Field(
        5_000_000, description="Largest ingestion request body, after decompression (413)."
    )
    max_batch_events: int = Field(5_000, description="Most events in one request (413).")
    max_event_bytes: int = Field(
        1_000_000, description="Largest single event (JSON); a bigger one is rejected."
    )
    writer_group_events: int = Field(
        10_000, description="Most events committed in one group commit."
    )
    writer_group_wait_ms: float = Field(
        2.0, description="How long a group commit waits for more requests to join it."
    )
    writer_queue_events: int = Field(
        200_000, description="Events waiting for a commit before ingestion answers 503."
    )
    anonymize_ips: bool = Field(
        True,
        description="Zero the last octet of IPv4 / last 80 bits of IPv6 in `$ip` (and Segment's "
        "`context.ip`) at ingestion.",
    )
    rate_limit_per_second: float = Field(
        2_000.0, description="Requests per second allowed per public key on public endpoints."
    )
    rate_limit_burst: int = Field(
        4_000, description="Requests a public key may send at once before the rate limit (429)."
    )
    duckdb_memory_limit: str = Field("2GB", description="DuckDB memory_limit of the event store.")
    duckdb_threads: int = Field(0, description="DuckDB threads (0: one per core).")
    duckdb_checkpoint_threshold: str = Field(
        "128MB",
        description="WAL size at which DuckDB checkpoints the event store (larger: faster "
        "ingestion, longer restarts after a crash).",
    )
    surveys: list[dict[str, Any]] = Field(
        default_factory=list,
        description="In-app NPS / CSAT survey rules ([[surveys]] tables, docs/tracker.md).",
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server that sends email digests.")
    smtp_port: int = Field(25, description="Port of the SMTP server.")
    smtp_sender: str = Field(
        "launchloop@localhost", description="From address of the email digests."
    )
    worker: bool = Field(
        False,
        description="Run the scheduler (`launchloop worker`) inside `launchloop serve`: the way "
        "to schedule with embedded DuckDB, which one process holds at a time.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Address of the web app, for links in notices."
    )
    paying_property: str = Field(
        "plan",
        description="Person property that tells who pays, for the feedback irritants: a value "
        "not in `free_plan_values` means paying.",
    )
    free_plan_values: list[str] = Field(
        default_factory=lambda: ["", "free", "none", "trial"],
        description="Values of `paying_property` that mean not paying (compared lower-case).",
    )
    session_secret: SecretStr = Field(
        SecretStr(""),
        description="Signs the web app's session cookies; the same on every web worker "
        "(default: one generated once into <data_dir>/session_secret).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_toml_path())
        return (init_settings, env_settings, toml)

    @property
    def resolved_events_url(self) -> str:
        """The event store URL, defaulting to DuckDB inside the data dir."""
        return self.events_url or f"duckdb:///{self.data_dir / 'events.duckdb'}"

    @property
    def resolved_database_url(self) -> str:
        """The knowledge database URL, defaulting to SQLite inside the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'launchloop.db'}"


def load_settings(**overrides: object) -> Settings:
    """Settings from defaults, launchloop.toml and env, then ``overrides`` (None ignored)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]
