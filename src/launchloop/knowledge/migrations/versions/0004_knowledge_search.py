"""knowledge search: SQLite FTS5 table kept by triggers, PostgreSQL tsvector indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:00:00

The searched text of each kind is declared once in ``launchloop.knowledge.search.SEARCHED``;
this migration copies it so that a later change of that module makes a new revision.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: kind -> (table, text columns, SQL giving the project id from a row ``r``)
SEARCHED: dict[str, tuple[str, tuple[str, ...], str]] = {
    "insight": ("insights", ("statement", "context"), "r.project_id"),
    "action": ("actions", ("title", "observation", "hypothesis"), "r.project_id"),
    "experiment": ("experiments", ("name", "decision_reason"), "r.project_id"),
    "learning": ("learnings", ("title", "tried", "context"), "r.project_id"),
    "quote": (
        "evidence",
        ("quote",),
        "(SELECT i.project_id FROM insights i WHERE i.id = r.insight_id)",
    ),
}


def _body(row: str, columns: tuple[str, ...]) -> str:
    prefix = f"{row}." if row else ""
    return " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in columns)


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE knowledge_fts USING fts5("
        "kind UNINDEXED, item_id UNINDEXED, project_id UNINDEXED, body, "
        "tokenize = 'porter unicode61')"
    )
    for kind, (table, columns, project) in SEARCHED.items():
        insert = (
            "INSERT INTO knowledge_fts (kind, item_id, project_id, body) "
            f"SELECT '{kind}', r.id, {project}, {_body('r', columns)} FROM {table} r"
        )
        op.execute(insert)
        delete = f"DELETE FROM knowledge_fts WHERE kind = '{kind}' AND item_id = old.id;"
        add = (
            "INSERT INTO knowledge_fts (kind, item_id, project_id, body) "
            f"SELECT '{kind}', r.id, {project}, {_body('r', columns)} "
            f"FROM {table} r WHERE r.id = new.id;"
        )
        op.execute(f"CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN {add} END")
        op.execute(
            f"CREATE TRIGGER {table}_fts_update AFTER UPDATE ON {table} BEGIN {delete} {add} END"
        )
        op.execute(f"CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN {delete} END")


def _postgresql_upgrade() -> None:
    for table, columns, _ in SEARCHED.values():
        op.execute(
            f"CREATE INDEX ix_{table}_search ON {table} "
            f"USING gin (to_tsvector('english', {_body('', columns)}))"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _, _ in SEARCHED.values():
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{verb}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    else:
        for table, _, _ in SEARCHED.values():
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
