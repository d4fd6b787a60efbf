"""celebrations: a Salesforce outage that lasts is told once, and its end once

Revision ID: c004
Revises: c003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c004"
down_revision: str | Sequence[str] | None = "c003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("salesforce_sync") as batch:
        batch.add_column(sa.Column("unanswered_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("outage_told_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("salesforce_sync") as batch:
        batch.drop_column("outage_told_at")
        batch.drop_column("unanswered_since")
