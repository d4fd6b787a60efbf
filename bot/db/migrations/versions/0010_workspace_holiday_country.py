"""workspaces.holiday_country, worked_holidays: the team's country's public holidays are days off

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holiday_country", sa.String(length=2), nullable=True))
        # Existing rows: no public holiday is worked; the model's default for new rows is [].
        batch_op.add_column(
            sa.Column("worked_holidays", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.alter_column("worked_holidays", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("worked_holidays")
        batch_op.drop_column("holiday_country")
