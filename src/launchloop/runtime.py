"""One running launchloop: its settings, knowledge database, event store and writer."""

from __future__ import annotations

from dataclasses import dataclass

from launchloop.analytics.catalog import load_catalog
from launchloop.config import Settings
from launchloop.ingest.writer import GroupWriter
from launchloop.knowledge.database import Database
from launchloop.knowledge.launches import sync_projects
from launchloop.store.base import EventStore, open_store


@dataclass
class Runtime:
    """What the server and the CLI share; open it with :func:`open_runtime`."""

    settings: Settings
    database: Database
    store: EventStore
    writer: GroupWriter

    def close(self) -> None:
        """Commit what is queued, then close the stores."""
        self.writer.close()
        self.store.close()
        self.database.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Open (and migrate) the stores named by ``settings``, creating the data dir if needed.

    The KPIs and launches declared in ``launchloop.toml`` are upserted into every project.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.migrate()
    sync_declared(database)
    store = open_store(
        settings.resolved_events_url,
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
        checkpoint_threshold=settings.duckdb_checkpoint_threshold,
    )
    writer = GroupWriter(
        store,
        group_events=settings.writer_group_events,
        group_wait_ms=settings.writer_group_wait_ms,
        queue_events=settings.writer_queue_events,
    )
    return Runtime(settings, database, store, writer)


def sync_declared(database: Database) -> int:
    """Upsert the ``[[kpis]]`` and ``[[launches]]`` of launchloop.toml into every project."""
    catalog = load_catalog()
    if not catalog.kpis and not catalog.launches:
        return 0
    with database.session() as session:
        return sync_projects(session, catalog)
