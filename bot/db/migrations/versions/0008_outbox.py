"""the outbox: deliveries carry a payload and a version (interactive messages, objects)

A message owed by a state change is a ledger row written in the same transaction. A one-off
message (a receipt, a thread note) carries what it says in `payload`; an object Slack shows
(a request's card, a Home tab) is one row whose `version` moves with each change, so updates
coalesce and the latest state wins. `ix_deliveries_subject` finds an object's row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.create_index("ix_deliveries_subject", ["team_id", "kind", "subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_subject")
        batch_op.drop_column("version")
        batch_op.drop_column("payload")
