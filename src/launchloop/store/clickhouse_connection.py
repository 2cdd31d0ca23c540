"""The two ways to reach ClickHouse: chdb in-process, or a server through clickhouse-connect.

Both speak the same SQL; :class:`~launchloop.store.clickhouse.ClickHouseStore` only needs
``select``, ``command``, ``insert_json`` and ``close`` from either.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote, urlsplit

from launchloop.store.clickhouse_params import parameter_texts


class ClickHouseConnection(Protocol):
    """What the ClickHouse store needs from an engine connection."""

    def select(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query with ``{name:Type}`` parameters bound."""
        ...

    def command(self, sql: str) -> None:
        """Run a statement that returns nothing (DDL)."""
        ...

    def insert_json(self, table: str, columns: tuple[str, ...], lines: bytes) -> None:
        """Insert JSONEachRow ``lines`` into ``table``; returns once they are stored."""
        ...

    def close(self) -> None:
        """Release the engine."""
        ...


def naive_utc(value: Any) -> Any:
    """A timezone-aware datetime as a naive UTC one (DuckDB's TIMESTAMP shape); others as is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class ChdbConnection:
    """ClickHouse embedded in this process (chdb): one database folder per process at a time."""

    def __init__(self, path: str) -> None:
        import chdb.session

        self.path = path
        try:
            self._session = chdb.session.Session(path)
        except Exception as error:  # chdb raises a bare RuntimeError subclass
            raise ValueError(
                f"cannot open chdb at {path!r}: chdb holds one database path per process "
                f"(close the other store first): {error}"
            ) from error
        self._lock = threading.Lock()

    def select(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query; timestamps as naive UTC datetimes."""
        with self._lock:
            table = self._session.query(sql, "ArrowTable", params=parameter_texts(params or {}))
        columns = [[naive_utc(v) for v in column.to_pylist()] for column in table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    def command(self, sql: str) -> None:
        """Run a statement."""
        with self._lock:
            self._session.query(sql)

    def insert_json(self, table: str, columns: tuple[str, ...], lines: bytes) -> None:
        """Insert rows as inline JSONEachRow data (synchronous in-process)."""
        statement = f"INSERT INTO {table} ({', '.join(columns)}) FORMAT JSONEachRow\n"
        with self._lock:
            self._session.query(statement + lines.decode())

    def close(self) -> None:
        """Close the session (the folder stays)."""
        with self._lock:
            self._session.close()


class ServerConnection:
    """A ClickHouse server over HTTP (clickhouse-connect); async inserts that are waited for."""

    #: Inserts are batched server-side with other clients' but acknowledged only once flushed.
    INSERT_SETTINGS: ClassVar[dict[str, Any]] = {"async_insert": 1, "wait_for_async_insert": 1}

    def __init__(self, url: str) -> None:
        import clickhouse_connect
        from clickhouse_connect.driver.exceptions import Error

        options, database = _client_options(url)
        try:
            bootstrap = clickhouse_connect.get_client(**options)
            bootstrap.command(f"CREATE DATABASE IF NOT EXISTS `{database.replace('`', '')}`")
            bootstrap.close()
            self._client = clickhouse_connect.get_client(database=database, **options)
        except Error as error:
            # Names the server, never the password; the cause says refused, denied or too old.
            where = f"{options['host']}:{options['port']}"
            raise ConnectionError(
                f"cannot use the ClickHouse server at {where}: {error}"
            ) from error

    def select(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query (server-side parameter binding); timestamps as naive UTC."""
        result = self._client.query(sql, parameters=dict(params or {}))
        return [tuple(naive_utc(v) for v in row) for row in result.result_rows]

    def command(self, sql: str) -> None:
        """Run a statement."""
        self._client.command(sql)

    def insert_json(self, table: str, columns: tuple[str, ...], lines: bytes) -> None:
        """Insert rows; returns after the server has flushed its async insert buffer."""
        self._client.raw_insert(
            table, list(columns), lines, settings=self.INSERT_SETTINGS, fmt="JSONEachRow"
        )

    def close(self) -> None:
        """Close the HTTP pool."""
        self._client.close()


def _client_options(url: str) -> tuple[dict[str, Any], str]:
    """clickhouse-connect's ``get_client`` options for ``clickhouse[s]://user:pw@host:port/db``."""
    parts = urlsplit(url)
    options: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (8443 if parts.scheme == "clickhouses" else 8123),
        "username": unquote(parts.username or "default"),
        "password": unquote(parts.password or ""),
        "secure": parts.scheme == "clickhouses",
        # A session id would serialize every query of this process on the server.
        "autogenerate_session_id": False,
    }
    return options, parts.path.strip("/") or "default"


def connect(url: str) -> ClickHouseConnection:
    """A connection for ``chdb:///path``, ``chdb://:memory:`` or ``clickhouse://user:pw@host/db``."""
    if url.startswith("chdb://"):
        # Same convention as duckdb:// and sqlite://: chdb:////abs/path, chdb:///relative/path.
        return ChdbConnection(url.removeprefix("chdb://").removeprefix("/") or ":memory:")
    if url.startswith(("clickhouse://", "clickhouses://")):
        return ServerConnection(url)
    raise ValueError(f"not a ClickHouse URL: {url!r}")
