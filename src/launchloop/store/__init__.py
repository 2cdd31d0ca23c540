"""Event stores: the EventStore protocol and its engines (DuckDB embedded, ClickHouse at scale)."""

from launchloop.store.base import EventStore, open_store

__all__ = ["EventStore", "open_store"]
