"""feedback items and themes (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "feedback_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("named_by_person", sa.Boolean(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("embedder", sa.String(length=40), nullable=False),
        sa.Column("min_similarity", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_feedback_themes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_themes")),
    )
    with op.batch_alter_table("feedback_themes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_themes_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=True),
        sa.Column("page", sa.String(length=2000), nullable=True),
        sa.Column("feature", sa.String(length=200), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedder", sa.String(length=40), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_feedback_items_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["feedback_themes.id"],
            name=op.f("fk_feedback_items_theme_id_feedback_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_items")),
        sa.UniqueConstraint(
            "project_id", "source", "external_id", name=op.f("uq_feedback_items_project_id")
        ),
    )
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_items_author"), ["author"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_items_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_items_project_time", ["project_id", "observed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_items_theme_id"), ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_items_theme_id"))
        batch_op.drop_index("ix_feedback_items_project_time")
        batch_op.drop_index(batch_op.f("ix_feedback_items_project_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_items_author"))
    op.drop_table("feedback_items")
    with op.batch_alter_table("feedback_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_themes_project_id"))
    op.drop_table("feedback_themes")
