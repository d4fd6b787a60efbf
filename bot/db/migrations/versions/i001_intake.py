"""intake: requests, their events, settings, roll-outs, knowledge base, deflections

Revision ID: i001
Revises: 0005
Create Date: 2026-11-23 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i001"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = ("intake",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("times_used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_docs_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_docs")),
        sa.UniqueConstraint(
            "team_id", "url_sha256", name=op.f("uq_intake_docs_team_id_url_sha256")
        ),
    )
    op.create_table(
        "intake_queue_pages",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_queue_pages_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_intake_queue_pages")),
    )
    op.create_table(
        "intake_rollouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_rollouts_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_rollouts")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_intake_rollouts_team_id_name")),
    )
    op.create_table(
        "intake_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("intake_channel_id", sa.String(length=32), nullable=True),
        sa.Column("revops_usergroup_id", sa.String(length=32), nullable=True),
        sa.Column("revops_member_ids", sa.JSON(), nullable=False),
        sa.Column("who_may_file", sa.String(length=16), nullable=False),
        sa.Column("filer_usergroup_ids", sa.JSON(), nullable=False),
        sa.Column("team_lead_id", sa.String(length=32), nullable=True),
        sa.Column("run_capacity_hours", sa.Integer(), nullable=False),
        sa.Column("first_response_sla_days", sa.Integer(), nullable=False),
        sa.Column("ask_why_reminder_days", sa.Integer(), nullable=False),
        sa.Column("ask_why_close_days", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_settings_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_intake_settings")),
    )
    op.create_table(
        "intake_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=True),
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"],
            ["intake_docs.id"],
            name=op.f("fk_intake_deflections_doc_id_intake_docs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_deflections_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_deflections")),
        sa.UniqueConstraint(
            "team_id", "view_id", name=op.f("uq_intake_deflections_team_id_view_id")
        ),
    )
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filed_from_view", sa.String(length=64), nullable=True),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("beneficiary", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("wished_date", sa.Date(), nullable=True),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("base_score", sa.Float(), nullable=False),
        sa.Column("filed_weekday_index", sa.Integer(), nullable=False),
        sa.Column("source_permalink", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("touched_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("estimate_hours", sa.Float(), nullable=True),
        sa.Column("assignee_id", sa.String(length=32), nullable=True),
        sa.Column("card_channel_id", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("eta_told", sa.Date(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["intake_rollouts.id"],
            name=op.f("fk_intake_requests_rollout_id_intake_rollouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_requests_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_requests")),
        sa.UniqueConstraint(
            "team_id", "filed_from_view", name=op.f("uq_intake_requests_team_id_filed_from_view")
        ),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_intake_requests_team_id_number")),
    )
    op.create_index(
        "ix_intake_requests_card", "intake_requests", ["team_id", "card_ts"], unique=False
    )
    op.create_index(
        "ix_intake_requests_created", "intake_requests", ["team_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_intake_requests_first_response",
        "intake_requests",
        ["team_id", "first_response_at"],
        unique=False,
    )
    op.create_index(
        "ix_intake_requests_queue", "intake_requests", ["team_id", "status"], unique=False
    )
    op.create_index(
        "ix_intake_requests_requester", "intake_requests", ["team_id", "requester_id"], unique=False
    )
    op.create_table(
        "intake_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["intake_requests.id"],
            name=op.f("fk_intake_request_events_request_id_intake_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_intake_request_events_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_request_events")),
    )
    op.create_index(
        op.f("ix_intake_request_events_request_id"),
        "intake_request_events",
        ["request_id"],
        unique=False,
    )
    op.create_index(
        "ix_intake_request_events_team_time",
        "intake_request_events",
        ["team_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_intake_request_events_team_time", table_name="intake_request_events")
    op.drop_index(op.f("ix_intake_request_events_request_id"), table_name="intake_request_events")
    op.drop_table("intake_request_events")
    op.drop_index("ix_intake_requests_requester", table_name="intake_requests")
    op.drop_index("ix_intake_requests_queue", table_name="intake_requests")
    op.drop_index("ix_intake_requests_first_response", table_name="intake_requests")
    op.drop_index("ix_intake_requests_created", table_name="intake_requests")
    op.drop_index("ix_intake_requests_card", table_name="intake_requests")
    op.drop_table("intake_requests")
    op.drop_table("intake_deflections")
    op.drop_table("intake_settings")
    op.drop_table("intake_rollouts")
    op.drop_table("intake_queue_pages")
    op.drop_table("intake_docs")
