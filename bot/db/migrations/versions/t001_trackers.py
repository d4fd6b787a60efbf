"""trackers: a workspace's Jira or Linear connection, and each accepted request's issue

Revision ID: t001
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "t001"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = ("trackers",)
# The issue links point at intake's requests.
depends_on: str | Sequence[str] | None = "i006"


def upgrade() -> None:
    op.create_table(
        "tracker_connections",
        sa.Column(
            "team_id",
            sa.String(32),
            sa.ForeignKey("workspaces.team_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("issue_type", sa.String(64), nullable=True),
        sa.Column("create_on", sa.String(16), nullable=False),
        sa.Column("connected_by", sa.String(32), nullable=True),
        sa.Column("connected_at", sa.DateTime(), nullable=False),
        sa.Column("read_up_to", sa.DateTime(), nullable=False),
        sa.Column("polling_until", sa.DateTime(), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("problem_told_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "tracker_issue_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "team_id",
            sa.String(32),
            sa.ForeignKey("workspaces.team_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("seen_updated_at", sa.DateTime(), nullable=True),
        sa.Column("estimate_hours", sa.Float(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["intake_requests.id"], ondelete="CASCADE", name="fk_issue_request"
        ),
        sa.UniqueConstraint("team_id", "request_id"),
        sa.UniqueConstraint("team_id", "kind", "issue_id"),
    )


def downgrade() -> None:
    op.drop_table("tracker_issue_links")
    op.drop_table("tracker_connections")
