"""intake: the history records the estimate and assignee set, and "did this solve it?"

Revision ID: i003
Revises: i002
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i003"
down_revision: str | Sequence[str] | None = "i002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("intake_request_events", sa.Column("estimate_hours", sa.Float(), nullable=True))
    op.add_column(
        "intake_request_events", sa.Column("assignee_id", sa.String(length=32), nullable=True)
    )
    op.add_column("intake_request_events", sa.Column("solved", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("intake_request_events", "solved")
    op.drop_column("intake_request_events", "assignee_id")
    op.drop_column("intake_request_events", "estimate_hours")
