"""stored item vectors: similar items embed only new or edited items (issue 5)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_vectors",
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("embedder", sa.String(length=100), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_item_vectors_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_kind", "item_id", "embedder", name=op.f("pk_item_vectors")),
    )
    with op.batch_alter_table("item_vectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_vectors_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("item_vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_vectors_project_id"))
    op.drop_table("item_vectors")
