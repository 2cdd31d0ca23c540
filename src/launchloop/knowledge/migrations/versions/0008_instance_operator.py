"""instance operator tokens: the right to back up the whole instance (issue 12)

The oldest token — the one ``launchloop init`` printed — becomes the operator's, so a server
upgraded in place can still be backed up with the token its operator already has.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_operator", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE api_tokens SET is_operator = TRUE "
        "WHERE id = (SELECT min(id) FROM api_tokens) AND member_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("is_operator")
