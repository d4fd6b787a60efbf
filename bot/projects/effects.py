"""What each change of a project owes in Slack: the one place that says it.

Every function here writes outbox rows in the caller's transaction (the flow's), so a change
and the messages it owes commit together or not at all; bot/projects/messages.py renders them
when they are sent. No Slack here.

- A project created: its announcement in its channel (the bot joins a public channel first if
  the creator agreed); its creator's word by DM if the bot cannot post there after all; the
  Home tabs of the creator and the owner.
- An update posted: the update in the channel, in place of the check-in card it answers (a
  new post when there is no card, or the card is gone); its author's word by DM if Slack
  refuses the post for good; the Home tabs of the author and the owner.
- A project paused, resumed or abandoned: the announcement in its channel, with what can be
  done next; the Home tabs of whoever acted and the owner.
- A milestone marked reached from its reminder: the reminder says so, in place; the Home tab
  of whoever marked it.
- The flash report set up: the admin's Home tab; their word by DM if the bot cannot post in
  the report's channel. Stopped: the admin's Home tab.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.home.effects import owe_homes
from bot.outbox.service import owe_message
from bot.projects.kpi_values import KpiReading
from bot.projects.models import Milestone, Project, RolloutLine
from bot.projects.validation import StatusAction

MESSAGE_KIND = "project-message"


def _owe(
    session: Session,
    *,
    team_id: str,
    recipient: str,
    key: str,
    payload: dict[str, Any],
    subject: str = "",
    now: datetime,
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=recipient,
        key=key,
        subject=subject,
        payload=payload,
        now=now,
    )


def _owe_homes(session: Session, project: Project, actor_id: str, now: datetime) -> None:
    """Whoever acted and the owner see the project in their Home tab."""
    owe_homes(
        session=session, team_id=project.team_id, user_ids=[actor_id, project.owner_id], now=now
    )


def _unless_posted(channel_id: str, key: str) -> dict[str, str]:
    """A DM sent only if the channel post under `key` ends refused (see messages.py)."""
    return {"recipient": channel_id, "key": key}


# ---------------------------------------------------------------- a project created


def owe_creation(
    *,
    session: Session,
    project: Project,
    creator_id: str,
    channel_checked: bool,
    may_join: bool,
    now: datetime,
) -> None:
    """The announcement in the project's channel. `channel_checked`: Slack said before the ack
    that the bot can post there; otherwise the bot looks again (and joins a public channel if
    the creator agreed) just before posting, and the creator hears by DM if it still cannot."""
    key = f"created-{project.id}"
    _owe(
        session,
        team_id=project.team_id,
        recipient=project.channel_id,
        key=key,
        subject=str(project.id),
        payload={
            "what": "created",
            "project_id": project.id,
            "check": not channel_checked,
            "join": may_join,
        },
        now=now,
    )
    if not channel_checked:
        _owe(
            session,
            team_id=project.team_id,
            recipient=creator_id,
            key=f"{key}-bot-outside",
            subject=str(project.id),
            payload={
                "what": "created_bot_outside",
                "project_id": project.id,
                "unless_posted": _unless_posted(project.channel_id, key),
            },
            now=now,
        )
    _owe_homes(session, project, creator_id, now)


# ---------------------------------------------------------------- an update


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def reading_payload(reading: KpiReading) -> dict[str, Any]:
    """A KPI's figures as the update gave them (a value pushed later does not change the post)."""
    kpi = reading.kpi
    return {
        "project_id": kpi.project_id,
        "name": kpi.name,
        "unit": kpi.unit,
        "baseline": kpi.baseline,
        "target": kpi.target,
        "target_date": _day(kpi.target_date),
        "direction": kpi.direction,
        "current_value": kpi.current_value,
        "current_at": _instant(kpi.current_at),
        "checkin_value": kpi.checkin_value,
        "checkin_at": _instant(kpi.checkin_at),
        "previous_checkin_value": kpi.previous_checkin_value,
    }


def owe_update(
    *,
    session: Session,
    project: Project,
    checkin_id: int,
    actor_id: str,
    readings: Sequence[KpiReading],
    gone_live: Sequence[RolloutLine],
    reached: Sequence[Milestone],
    replaces: tuple[str, str] | None,
    now: datetime,
) -> None:
    """The update in the project's channel, replacing the check-in card it answers."""
    key = f"update-{checkin_id}"
    _owe(
        session,
        team_id=project.team_id,
        recipient=project.channel_id,
        key=key,
        subject=str(project.id),
        payload={
            "what": "update",
            "project_id": project.id,
            "checkin_id": checkin_id,
            "replaces": list(replaces) if replaces else None,
            "kpis": [reading_payload(reading) for reading in readings],
            "gone_live": [line.id for line in gone_live],
            "reached": [milestone.id for milestone in reached],
        },
        now=now,
    )
    _owe(
        session,
        team_id=project.team_id,
        recipient=actor_id,
        key=f"{key}-not-posted",
        subject=str(project.id),
        payload={
            "what": "update_not_posted",
            "project_id": project.id,
            "unless_posted": _unless_posted(project.channel_id, key),
        },
        now=now,
    )
    owe_homes(
        session=session, team_id=project.team_id, user_ids=[actor_id, project.owner_id], now=now
    )


# ---------------------------------------------------------------- pause, resume, abandon


def owe_status_change(
    *,
    session: Session,
    project: Project,
    action: StatusAction,
    event_id: int,
    actor_id: str,
    reason: str,
    note: str | None,
    now: datetime,
) -> None:
    _owe(
        session,
        team_id=project.team_id,
        recipient=project.channel_id,
        key=f"status-{project.id}-{event_id}",
        subject=str(project.id),
        payload={
            "what": "status",
            "project_id": project.id,
            "action": action.value,
            "actor_id": actor_id,
            "reason": reason,
            "note": note,
        },
        now=now,
    )
    owe_homes(
        session=session, team_id=project.team_id, user_ids=[actor_id, project.owner_id], now=now
    )


# ---------------------------------------------------------------- milestones


def owe_milestone_reached(
    *,
    session: Session,
    project: Project,
    milestone: Milestone,
    actor_id: str,
    reminder: tuple[str, str] | None,
    now: datetime,
) -> None:
    """The reminder whose button was clicked (`reminder`: its channel and ts) says it is
    reached, by whom; once per reminder message."""
    if reminder is not None:
        channel, ts = reminder
        _owe(
            session,
            team_id=project.team_id,
            recipient=channel,
            key=f"milestone-{milestone.id}-reached-{ts}",
            subject=str(project.id),
            payload={
                "what": "milestone_reached",
                "project_id": project.id,
                "milestone_id": milestone.id,
                "channel": channel,
                "ts": ts,
            },
            now=now,
        )
    owe_homes(session=session, team_id=project.team_id, user_ids=[actor_id], now=now)


# ---------------------------------------------------------------- the flash report


def owe_flash_settings(
    *,
    session: Session,
    team_id: str,
    admin_id: str,
    channel_id: str,
    channel_checked: bool,
    may_join: bool,
    now: datetime,
) -> None:
    """Set up: the admin's Home shows it. `channel_checked` False: the bot looks at the
    channel again (joins it if public and the admin agreed) and tells the admin by DM if it
    cannot post there."""
    if not channel_checked:
        _owe(
            session,
            team_id=team_id,
            recipient=admin_id,
            key=f"flash-channel-{uuid.uuid4().hex[:16]}",
            payload={"what": "flash_bot_outside", "channel_id": channel_id, "join": may_join},
            now=now,
        )
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)


def owe_flash_stopped(*, session: Session, team_id: str, admin_id: str, now: datetime) -> None:
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)
