"""detection fingerprints unique per project: a finding raced by two runs is stored once (issue 8)

The fingerprint moves from the signal's payload into its own column. Signals stored twice
before (two runs at the same moment) are merged into the first: the evidence and comments
that named a later copy name the first one, then the copies go, then the unique index comes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_signals_project_fingerprint"


def upgrade() -> None:
    op.add_column("signals", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    found = (
        "json_extract(payload, '$.fingerprint')"
        if connection.dialect.name == "sqlite"
        else "payload->>'fingerprint'"
    )
    connection.execute(sa.text(f"UPDATE signals SET fingerprint = {found}"))
    for copy, first in _copies(connection):
        _merge(connection, copy, first)
    op.create_index(INDEX, "signals", ["project_id", "fingerprint"], unique=True)


def _copies(connection: sa.Connection) -> list[tuple[int, int]]:
    """(copy, first) for every signal whose project already has its fingerprint."""
    rows = connection.execute(
        sa.text(
            "SELECT id, project_id, fingerprint FROM signals "
            "WHERE fingerprint IS NOT NULL ORDER BY id"
        )
    )
    first: dict[tuple[int, str], int] = {}
    copies = []
    for signal_id, project_id, fingerprint in rows:
        kept = first.setdefault((project_id, fingerprint), signal_id)
        if kept != signal_id:
            copies.append((signal_id, kept))
    return copies


def _merge(connection: sa.Connection, copy: int, first: int) -> None:
    """Point what named ``copy`` at ``first`` (an insight citing both keeps one), delete it."""
    ids = {"copy": copy, "first": first}
    statements = (
        "DELETE FROM evidence WHERE signal_id = :copy AND insight_id IN "
        "(SELECT insight_id FROM evidence WHERE signal_id = :first)",
        "UPDATE evidence SET signal_id = :first WHERE signal_id = :copy",
        "UPDATE comments SET item_id = :first WHERE item_kind = 'signal' AND item_id = :copy",
        "DELETE FROM signals WHERE id = :copy",
    )
    for statement in statements:
        connection.execute(sa.text(statement), ids)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="signals")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
