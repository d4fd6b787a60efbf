"""intake: a requester's requests read in filing order from the index (App Home, digest)

Revision ID: i004
Revises: i003
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i004"
down_revision: str | Sequence[str] | None = "i003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # With (team, requester) alone SQLite walks the (team, created) index in filing order and
    # filters on the requester: every request of the workspace for someone with few.
    op.drop_index("ix_intake_requests_requester", table_name="intake_requests")
    op.create_index(
        "ix_intake_requests_requester",
        "intake_requests",
        ["team_id", "requester_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_intake_requests_requester", table_name="intake_requests")
    op.create_index("ix_intake_requests_requester", "intake_requests", ["team_id", "requester_id"])
