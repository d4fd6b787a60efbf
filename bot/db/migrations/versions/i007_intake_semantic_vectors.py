"""intake: semantic vectors on docs and requests (the `revops-bot[semantic]` extra)

`semantic_vector` holds a unit float32 vector (bot.semantic, 1,024 bytes) written with the row
when SEMANTIC_MATCHING is on, NULL otherwise (filled at the next search that reads the row).
A blob on both engines, compared by a brute-force scan: no extension needed. Added with ALTER
TABLE ... ADD COLUMN (no batch copy on SQLite: that would drop the full-text triggers of i005).

Revision ID: i007
Revises: i006
Create Date: 2026-12-12 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i007"
down_revision: str | Sequence[str] | None = "i006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("intake_docs", "intake_requests")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("semantic_vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "semantic_vector")
