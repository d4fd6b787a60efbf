"""privacy: settings (retention, uninstall grace, admin group) and the audit trail

Revision ID: v001
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v001"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=True),
        sa.Column("uninstall_grace_days", sa.Integer(), nullable=False),
        sa.Column("admin_usergroup_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_privacy_settings_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_privacy_settings")),
    )
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_audit")),
    )
    op.create_index(op.f("ix_privacy_audit_team_id"), "privacy_audit", ["team_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_privacy_audit_team_id"), table_name="privacy_audit")
    op.drop_table("privacy_audit")
    op.drop_table("privacy_settings")
