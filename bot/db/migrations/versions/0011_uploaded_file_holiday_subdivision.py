"""deliveries.uploaded_file_id: a report's chart is uploaded once, then shown by its id;
workspaces.holiday_subdivision: the team's region's public holidays are days off too

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uploaded_file_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holiday_subdivision", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("holiday_subdivision")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("uploaded_file_id")
