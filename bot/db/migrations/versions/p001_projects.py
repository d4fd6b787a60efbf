"""projects: projects, members, KPIs and their values, milestones, roll-out lines,
check-ins, history, KPI webhook pushes

Revision ID: p001
Revises: 0005
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "p001"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = ("projects",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_kpi_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_kpi_pushes_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_kpi_pushes")),
        sa.UniqueConstraint(
            "team_id", "idempotency_key", name=op.f("uq_project_kpi_pushes_team_id_idempotency_key")
        ),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("objective", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("usergroup_id", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("target_end_date", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=32), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("health", sa.String(length=16), nullable=True),
        sa.Column("progress_pct", sa.Integer(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("last_update_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_projects_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("team_id", "name_key", name=op.f("uq_projects_team_id_name_key")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_team_status", ["team_id", "status"], unique=False)

    op.create_table(
        "project_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("remind_at", sa.DateTime(), nullable=True),
        sa.Column("miss_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("missed_at", sa.DateTime(), nullable=True),
        sa.Column("health", sa.String(length=16), nullable=True),
        sa.Column("progress_pct", sa.Integer(), nullable=True),
        sa.Column("done_text", sa.Text(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("posted_by", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("update_ts", sa.String(length=32), nullable=True),
        sa.Column("update_nonce", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_checkins_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_checkins_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_checkins")),
        sa.UniqueConstraint(
            "project_id", "period", name=op.f("uq_project_checkins_project_id_period")
        ),
        sa.UniqueConstraint("update_nonce", name=op.f("uq_project_checkins_update_nonce")),
    )
    with op.batch_alter_table("project_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_project_checkins_open", ["status", "remind_at"], unique=False)
        batch_op.create_index("ix_project_checkins_project", ["project_id", "due_at"], unique=False)

    op.create_table(
        "project_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_events_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_events_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_events")),
    )
    with op.batch_alter_table("project_events", schema=None) as batch_op:
        batch_op.create_index("ix_project_events_project", ["project_id", "at"], unique=False)

    op.create_table(
        "project_kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("current_value", sa.Float(), nullable=True),
        sa.Column("current_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_value", sa.Float(), nullable=True),
        sa.Column("checkin_at", sa.DateTime(), nullable=True),
        sa.Column("previous_checkin_value", sa.Float(), nullable=True),
        sa.Column("target_reached_at", sa.DateTime(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_kpis_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_kpis_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_kpis")),
        sa.UniqueConstraint(
            "project_id", "name_key", name=op.f("uq_project_kpis_project_id_name_key")
        ),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("via_group", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_members_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_members")),
    )
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.create_index("ix_project_members_user", ["team_id", "user_id"], unique=False)

    op.create_table(
        "project_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("is_decision", sa.Boolean(), nullable=False),
        sa.Column("remind_days_before", sa.Integer(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("before_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("day_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("reached_at", sa.DateTime(), nullable=True),
        sa.Column("reached_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_milestones_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_milestones_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_milestones")),
    )
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_milestones_open", ["reached_at", "due_date"], unique=False
        )
        batch_op.create_index(
            "ix_project_milestones_project", ["project_id", "due_date"], unique=False
        )
        batch_op.create_index(
            "ix_project_milestones_remind", ["reached_at", "remind_on"], unique=False
        )

    op.create_table(
        "project_rollout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("local_owner_id", sa.String(length=32), nullable=True),
        sa.Column("live_at", sa.DateTime(), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_rollout_lines_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_rollout_lines_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_rollout_lines")),
        sa.UniqueConstraint(
            "project_id", "name_key", name=op.f("uq_project_rollout_lines_project_id_name_key")
        ),
    )
    op.create_table(
        "project_kpi_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["project_kpis.id"],
            name=op.f("fk_project_kpi_values_kpi_id_project_kpis"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_project_kpi_values_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_kpi_values")),
    )
    with op.batch_alter_table("project_kpi_values", schema=None) as batch_op:
        batch_op.create_index("ix_project_kpi_values_kpi", ["kpi_id", "recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("project_kpi_values", schema=None) as batch_op:
        batch_op.drop_index("ix_project_kpi_values_kpi")

    op.drop_table("project_kpi_values")
    op.drop_table("project_rollout_lines")
    with op.batch_alter_table("project_milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_project_milestones_remind")
        batch_op.drop_index("ix_project_milestones_project")
        batch_op.drop_index("ix_project_milestones_open")

    op.drop_table("project_milestones")
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.drop_index("ix_project_members_user")

    op.drop_table("project_members")
    op.drop_table("project_kpis")
    with op.batch_alter_table("project_events", schema=None) as batch_op:
        batch_op.drop_index("ix_project_events_project")

    op.drop_table("project_events")
    with op.batch_alter_table("project_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_project_checkins_project")
        batch_op.drop_index("ix_project_checkins_open")

    op.drop_table("project_checkins")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_team_status")

    op.drop_table("projects")
    op.drop_table("project_kpi_pushes")
