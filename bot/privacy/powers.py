"""Who holds admin powers, and the audit of every admin action.

Admins are Slack's workspace admins and owners, plus members of the admin user group a
workspace may configure in its privacy settings. Group membership is kept on each member row
(`in_admin_group`), refreshed when the setting is saved, when Slack says the group changed, and
whenever someone's admin power is checked, so that every Home tab can show admin tools without
asking Slack.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.privacy.lifecycle import audit, privacy_settings
from bot.services import Services
from bot.workspaces.models import Member
from bot.workspaces.service import set_admin_group_members

ADMINS_ONLY = N_("Only workspace admins can do this.")
# A group bigger than this is an unusual "admin group"; its members beyond it are checked on
# their first admin action instead of up front.
SNAPSHOT_LIMIT = 200


def admin_group(services: Services, *, team_id: str) -> str | None:
    with session_scope(services.session_factory) as session:
        return privacy_settings(session=session, team_id=team_id).admin_usergroup_id


def is_admin(services: Services, client: WebClient, *, team_id: str, user_id: str) -> bool:
    """Slack admin or owner, or in the admin group (asked of Slack, cached a few minutes)."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    if member.is_admin or member.is_owner:
        return True
    group = admin_group(services, team_id=team_id)
    in_group = group is not None and services.usergroups.is_member(
        client, team_id=team_id, usergroup_ids=[group], user_id=user_id
    )
    if in_group != member.in_admin_group:
        with session_scope(services.session_factory) as session:
            row = session.get(Member, (team_id, user_id))
            if row is not None:
                row.in_admin_group = in_group
        services.directory.forget(team_id=team_id, user_id=user_id)
    return in_group


def refresh_admin_group(services: Services, client: WebClient, *, team_id: str) -> int:
    """Copy the admin group's members onto member rows (creating the rows it needs)."""
    group = admin_group(services, team_id=team_id)
    users: frozenset[str] = frozenset()
    if group:
        services.usergroups.forget(team_id=team_id, usergroup_id=group)
        users = services.usergroups.members(client, team_id=team_id, usergroup_id=group)
        for user_id in sorted(users)[:SNAPSHOT_LIMIT]:
            services.directory.member(client, team_id=team_id, user_id=user_id)
    with session_scope(services.session_factory) as session:
        marked = set_admin_group_members(session=session, team_id=team_id, user_ids=users)
    for user_id in users:
        services.directory.forget(team_id=team_id, user_id=user_id)
    return marked


def check_admin(
    services: Services, client: WebClient, *, team_id: str, user_id: str, action: str
) -> bool:
    """Whether the user may take this admin action; the action or its refusal is audited."""
    allowed = is_admin(services, client, team_id=team_id, user_id=user_id)
    with session_scope(services.session_factory) as session:
        audit(
            session=session,
            team_id=team_id,
            action=action if allowed else f"refused: {action}",
            actor=user_id,
            now=datetime.now(UTC),
        )
    return allowed


def require_admin_of(services: Services, client: WebClient, context: Any, action: str) -> None:
    """require_admin for the user of a Slack request (Bolt's `context`)."""
    require_admin(services, client, team_id=context.team_id, user_id=context.user_id, action=action)


def require_admin(
    services: Services, client: WebClient, *, team_id: str, user_id: str, action: str
) -> None:
    """Refuse a non-admin with a clear message; record the action or the refusal either way."""
    if not check_admin(services, client, team_id=team_id, user_id=user_id, action=action):
        raise UserFacingError(ADMINS_ONLY)
