"""Rules about workspaces and the member directory cache."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.workspaces.models import Member, WebhookToken, Workspace

# Slack profile fields change rarely; `user_change` events refresh them sooner.
MEMBER_MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class MemberProfile:
    """What Slack tells us of a user, free of Slack types."""

    user_id: str
    name: str
    tz: str
    locale: str | None
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool


def ensure_workspace(*, session: Session, team_id: str, name: str = "") -> Workspace:
    """Return the workspace row, creating it on first contact (a request or an install)."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        insert_or_ignore(
            session,
            Workspace,
            [
                {
                    "team_id": team_id,
                    "name": name,
                    "installed_at": datetime.now(UTC),
                    "default_locale": "en-US",
                    "holidays": [],
                }
            ],
            ["team_id"],
        )
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
    elif name and workspace.name != name:
        workspace.name = name
    return workspace


def find_member(*, session: Session, team_id: str, user_id: str) -> Member | None:
    return session.get(Member, (team_id, user_id))


def is_fresh(member: Member | None, *, now: datetime) -> bool:
    """A cached member is used as is for MEMBER_MAX_AGE after it was fetched."""
    return member is not None and now - member.refreshed_at < MEMBER_MAX_AGE


def save_member(*, session: Session, team_id: str, profile: MemberProfile, now: datetime) -> Member:
    """Insert or refresh a member from a Slack profile (users.info, users.list, user_change)."""
    ensure_workspace(session=session, team_id=team_id)
    member = session.get(Member, (team_id, profile.user_id))
    if member is None:
        insert_or_ignore(
            session,
            Member,
            [_new_member(team_id, profile, now)],
            ["team_id", "user_id"],
        )
        member = session.get(Member, (team_id, profile.user_id))
        assert member is not None
    _refresh(member, profile, now)
    session.flush()
    return member


def _new_member(team_id: str, profile: MemberProfile, now: datetime) -> dict[str, object]:
    """A member row as first inserted; the profile's flags are applied by _refresh."""
    return {
        "team_id": team_id,
        "user_id": profile.user_id,
        "name": profile.name,
        "tz": profile.tz,
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "deleted": False,
        "in_admin_group": False,
        "refreshed_at": now,
    }


def save_members(
    *, session: Session, team_id: str, profiles: Sequence[MemberProfile], now: datetime
) -> int:
    """Insert or refresh many members (a page of users.list) as `save_member` does one, in a
    statement or two for the whole batch: the daily sync of 1,000 members took 3,000 round
    trips (about 3 s, before the digest that waits for it); returns how many were saved."""
    if not profiles:
        return 0
    ensure_workspace(session=session, team_id=team_id)
    insert_or_ignore(
        session,
        Member,
        [_new_member(team_id, profile, now) for profile in profiles],
        ["team_id", "user_id"],
    )
    members = {
        member.user_id: member
        for member in session.scalars(
            select(Member).where(
                Member.team_id == team_id,
                Member.user_id.in_([profile.user_id for profile in profiles]),
            )
        )
    }
    for profile in profiles:
        _refresh(members[profile.user_id], profile, now)
    session.flush()
    return len(profiles)


def _refresh(member: Member, profile: MemberProfile, now: datetime) -> None:
    member.name = profile.name
    member.tz = profile.tz
    member.locale = profile.locale or member.locale
    member.is_admin = profile.is_admin
    member.is_owner = profile.is_owner
    member.is_bot = profile.is_bot
    member.deleted = profile.deleted
    member.refreshed_at = now


def active_members(*, session: Session, team_id: str) -> list[Member]:
    """Humans of the workspace the bot may write to: not deleted, not bots."""
    query = (
        select(Member)
        .where(Member.team_id == team_id, Member.deleted.is_(False), Member.is_bot.is_(False))
        .order_by(Member.user_id)
    )
    return list(session.scalars(query))


def is_admin(member: Member) -> bool:
    """Workspace admins and owners (Slack's flags), and members of the admin user group a
    workspace may set in its privacy settings, hold the bot's admin powers."""
    return member.is_admin or member.is_owner or member.in_admin_group


def set_admin_group_members(*, session: Session, team_id: str, user_ids: frozenset[str]) -> int:
    """Mark exactly these members as in the admin group; returns how many are."""
    session.execute(
        update(Member)
        .where(Member.team_id == team_id, Member.in_admin_group.is_(True))
        .values(in_admin_group=False)
    )
    if not user_ids:
        return 0
    return rows_affected(
        session.execute(
            update(Member)
            .where(Member.team_id == team_id, Member.user_id.in_(sorted(user_ids)))
            .values(in_admin_group=True)
        )
    )


WEBHOOK_TOKEN_PREFIX = "rvb_"


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_webhook_token(*, session: Session, team_id: str, created_by: str, now: datetime) -> str:
    """A new bearer token for the workspace's webhooks; any previous token stops working.

    Returns the token itself, which is never stored (only its hash) and shown once.
    """
    ensure_workspace(session=session, team_id=team_id)
    session.execute(
        update(WebhookToken)
        .where(WebhookToken.team_id == team_id, WebhookToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = WEBHOOK_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        WebhookToken(
            team_id=team_id, token_sha256=_sha256(token), created_by=created_by, created_at=now
        )
    )
    session.flush()
    return token


def team_for_webhook_token(*, session: Session, token: str) -> str | None:
    """The workspace a bearer token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(WEBHOOK_TOKEN_PREFIX):
        return None
    return session.scalar(
        select(WebhookToken.team_id).where(
            WebhookToken.token_sha256 == _sha256(token), WebhookToken.revoked_at.is_(None)
        )
    )


def has_webhook_token(*, session: Session, team_id: str) -> bool:
    return (
        session.scalar(
            select(WebhookToken.id).where(
                WebhookToken.team_id == team_id, WebhookToken.revoked_at.is_(None)
            )
        )
        is not None
    )
