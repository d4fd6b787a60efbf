"""celebrations: reactions keep their latest event (present, event_ts) so order never matters

Revision ID: c002
Revises: c001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c002"
down_revision: str | Sequence[str] | None = "c001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("win_reactions") as batch:
        batch.add_column(
            sa.Column("present", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("event_ts", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("win_reactions") as batch:
        batch.drop_column("event_ts")
        batch.drop_column("present")
