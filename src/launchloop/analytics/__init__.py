"""Queries over an EventStore: trends, funnels, retention, lifecycle, stickiness and paths.

Each query is a frozen dataclass, printed to SQL once for DuckDB and ClickHouse (``sql``) and
run with one ``store.query`` call; results are frozen dataclasses.
"""
