"""intake: watchers ("me too"), possible duplicates and merges

A request may be followed by people who did not file it (`intake_watchers`: they hear its news
and see it in App Home); `watcher_count` counts them into the priority. `duplicate_of_id` is an
open request that looked like it when it was filed (the card offers a merge); `merged_into_id`
is the request it was merged into (status `merged`).

The columns are added with ALTER TABLE ... ADD COLUMN on both engines (no batch copy of
`intake_requests` on SQLite: that would drop the full-text triggers of i005), and dropped with
ALTER TABLE ... DROP COLUMN (SQLite 3.35+).

Revision ID: i006
Revises: i005
Create Date: 2026-12-11 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i006"
down_revision: str | Sequence[str] | None = "i005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "intake_requests",
        sa.Column("watcher_count", sa.Integer(), nullable=False, server_default="0"),
    )
    # Plain ids, no foreign key: SQLite adds one only by copying the table, which would drop
    # the full-text triggers of i005. They are read with the team's filter (find_request) and
    # a purged request reads as gone.
    for column in ("duplicate_of_id", "merged_into_id"):
        op.add_column("intake_requests", sa.Column(column, sa.Integer(), nullable=True))
    op.create_table(
        "intake_watchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("merged_request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name="fk_intake_watchers_team_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["intake_requests.id"],
            name="fk_intake_watchers_request_id_intake_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merged_request_id"],
            ["intake_requests.id"],
            name="fk_intake_watchers_merged_request_id_intake_requests",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_intake_watchers"),
        sa.UniqueConstraint(
            "team_id", "request_id", "user_id", name="uq_intake_watchers_team_id_request_id_user_id"
        ),
    )
    op.create_index("ix_intake_watchers_user", "intake_watchers", ["team_id", "user_id"])
    op.create_index("ix_intake_watchers_created", "intake_watchers", ["team_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_intake_watchers_created", table_name="intake_watchers")
    op.drop_index("ix_intake_watchers_user", table_name="intake_watchers")
    op.drop_table("intake_watchers")
    for column in ("merged_into_id", "duplicate_of_id"):
        op.drop_column("intake_requests", column)
    op.drop_column("intake_requests", "watcher_count")
