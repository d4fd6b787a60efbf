"""celebrations: Salesforce closed-won polling (won stage names, the poll's cursor and lease)

Revision ID: c003
Revises: c002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c003"
down_revision: str | Sequence[str] | None = "c002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("celebration_settings") as batch:
        batch.add_column(
            sa.Column(
                "salesforce_won_stages", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
    op.create_table(
        "salesforce_sync",
        sa.Column(
            "team_id",
            sa.String(32),
            sa.ForeignKey("workspaces.team_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("read_up_to", sa.DateTime(), nullable=False),
        sa.Column("polling_until", sa.DateTime(), nullable=True),
        sa.Column("org_currency", sa.String(3), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("problem_told_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("salesforce_sync")
    with op.batch_alter_table("celebration_settings") as batch:
        batch.drop_column("salesforce_won_stages")
