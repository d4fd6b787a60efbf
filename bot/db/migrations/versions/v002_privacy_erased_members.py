"""privacy: erased members, by pseudonym (the member sync skips them)

Revision ID: v002
Revises: v001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v002"
down_revision: str | Sequence[str] | None = "v001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_erased_members",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=16), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_privacy_erased_members_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "pseudonym", name=op.f("pk_privacy_erased_members")),
    )


def downgrade() -> None:
    op.drop_table("privacy_erased_members")
