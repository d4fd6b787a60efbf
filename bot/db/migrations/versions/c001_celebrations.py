"""celebrations: settings, wins and their winners, reactions on win posts, e-mail cache

Revision ID: c001
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c001"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = ("celebrations",)
depends_on: str | Sequence[str] | None = None


def _team_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["team_id"],
        ["workspaces.team_id"],
        name=op.f(f"fk_{table}_team_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "celebration_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("gazette_weekday", sa.Integer(), nullable=False),
        sa.Column("gazette_hour", sa.Integer(), nullable=False),
        sa.Column("gazette_tz", sa.String(length=64), nullable=False),
        sa.Column("top_performers", sa.Boolean(), nullable=False),
        sa.Column("won_stages", sa.JSON(), nullable=False),
        sa.Column("hubspot_portal_id", sa.String(length=32), nullable=True),
        sa.Column("base_currency", sa.String(length=3), nullable=True),
        sa.Column("exchange_rates", sa.JSON(), nullable=False),
        sa.Column("channel_problem", sa.String(length=64), nullable=True),
        sa.Column("channel_warned_for", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _team_fk("celebration_settings"),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_celebration_settings")),
        sa.UniqueConstraint(
            "hubspot_portal_id", name=op.f("uq_celebration_settings_hubspot_portal_id")
        ),
    )
    op.create_table(
        "wins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("post_state", sa.String(length=16), nullable=False),
        sa.Column("prepare_attempts", sa.Integer(), nullable=False),
        sa.Column("prepare_after", sa.DateTime(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("hubspot_portal_id", sa.String(length=32), nullable=True),
        sa.Column("hubspot_deal_id", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        _team_fk("wins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wins")),
        sa.UniqueConstraint("team_id", "source_ref", name=op.f("uq_wins_team_id_source_ref")),
    )
    with op.batch_alter_table("wins", schema=None) as batch_op:
        batch_op.create_index("ix_wins_post_state", ["post_state"], unique=False)
        batch_op.create_index("ix_wins_team_created", ["team_id", "created_at"], unique=False)
        batch_op.create_index("ix_wins_team_post", ["team_id", "channel_id", "ts"], unique=False)

    op.create_table(
        "win_winners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("win_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        _team_fk("win_winners"),
        sa.ForeignKeyConstraint(
            ["win_id"], ["wins.id"], name=op.f("fk_win_winners_win_id_wins"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_winners")),
    )
    with op.batch_alter_table("win_winners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_win_winners_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_win_winners_win_id"), ["win_id"], unique=False)

    op.create_table(
        "win_reactions",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("win_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        _team_fk("win_reactions"),
        sa.ForeignKeyConstraint(
            ["win_id"], ["wins.id"], name=op.f("fk_win_reactions_win_id_wins"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "team_id", "win_id", "user_id", "name", name=op.f("pk_win_reactions")
        ),
    )
    op.create_table(
        "celebration_email_users",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("looked_up_at", sa.DateTime(), nullable=False),
        sa.Column("admins_told_at", sa.DateTime(), nullable=True),
        _team_fk("celebration_email_users"),
        sa.PrimaryKeyConstraint("team_id", "email", name=op.f("pk_celebration_email_users")),
    )


def downgrade() -> None:
    op.drop_table("celebration_email_users")
    op.drop_table("win_reactions")
    with op.batch_alter_table("win_winners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_win_winners_win_id"))
        batch_op.drop_index(batch_op.f("ix_win_winners_team_id"))
    op.drop_table("win_winners")
    with op.batch_alter_table("wins", schema=None) as batch_op:
        batch_op.drop_index("ix_wins_team_post")
        batch_op.drop_index("ix_wins_team_created")
        batch_op.drop_index("ix_wins_post_state")
    op.drop_table("wins")
    op.drop_table("celebration_settings")
