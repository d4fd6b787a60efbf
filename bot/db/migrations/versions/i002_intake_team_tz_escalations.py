"""intake: the team's time zone for its scheduled posts, and when a request was escalated

Revision ID: i002
Revises: i001
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i002"
down_revision: str | Sequence[str] | None = "i001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL until an admin saves the settings: the modal proposes the admin's own Slack zone.
    op.add_column("intake_settings", sa.Column("tz", sa.String(length=64), nullable=True))
    op.add_column("intake_requests", sa.Column("escalated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("intake_requests", "escalated_at")
    op.drop_column("intake_settings", "tz")
