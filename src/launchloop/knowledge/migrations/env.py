"""Alembic environment: runs against the engine passed in ``config.attributes``."""

from alembic import context
from sqlalchemy import create_engine

from launchloop.knowledge.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url", "")
    )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection if sqlite else None
        if raw is not None:
            # pysqlite runs DDL outside any transaction; BEGIN ourselves, so that a run killed
            # midway leaves the schema as it was (issue 12).
            raw.isolation_level = None
            connection.exec_driver_sql("BEGIN")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if raw is not None:
                raw.isolation_level = ""


run_migrations()
