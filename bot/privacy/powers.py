"""Who holds admin powers, and the audit of every admin action.

Admins are Slack's workspace admins and owners, plus members of the admin user group a
workspace may configure in its privacy settings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.privacy.lifecycle import audit, privacy_settings
from bot.services import Services
from bot.workspaces.service import is_admin as is_slack_admin

ADMINS_ONLY = N_("Only workspace admins can do this.")


def is_admin(services: Services, client: WebClient, *, team_id: str, user_id: str) -> bool:
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    if is_slack_admin(member):
        return True
    with session_scope(services.session_factory) as session:
        group = privacy_settings(session=session, team_id=team_id).admin_usergroup_id
    return bool(group) and services.usergroups.is_member(
        client, team_id=team_id, usergroup_ids=[group], user_id=user_id
    )


def require_admin(
    services: Services, client: WebClient, *, team_id: str, user_id: str, action: str
) -> None:
    """Refuse a non-admin with a clear message; record the attempt either way."""
    allowed = is_admin(services, client, team_id=team_id, user_id=user_id)
    with session_scope(services.session_factory) as session:
        audit(
            session=session,
            team_id=team_id,
            action=action if allowed else f"refused: {action}",
            actor=user_id,
            now=datetime.now(UTC),
        )
    if not allowed:
        raise UserFacingError(ADMINS_ONLY)
