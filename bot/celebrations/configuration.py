"""Rules of a workspace's celebration settings (re-exported by service.py): defaults, saving
them with the gazette and top-performers schedules, and which workspace a HubSpot portal is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.celebrations.models import CelebrationSettings
from bot.celebrations.rules import DEFAULT_WON_STAGES, SettingsChange
from bot.db import insert_or_ignore
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import Cadence, Frequency
from bot.workspaces.models import Workspace
from bot.workspaces.service import ensure_workspace

GAZETTE_KIND = "celebrations-gazette"
TOP_PERFORMERS_KIND = "celebrations-top-performers"
WORKSPACE_SUBJECT = "workspace"


# ---------------------------------------------------------------- settings


def settings_of(*, session: Session, team_id: str) -> CelebrationSettings:
    """The workspace's settings, or the defaults (not stored) before an admin saved any."""
    stored = session.get(CelebrationSettings, team_id)
    if stored is not None:
        return stored
    return CelebrationSettings(
        team_id=team_id,
        channel_id=None,
        gazette_weekday=4,
        gazette_hour=16,
        gazette_tz="UTC",
        top_performers=True,
        won_stages=list(DEFAULT_WON_STAGES),
        hubspot_portal_id=None,
        salesforce_won_stages=[],
        base_currency=None,
        exchange_rates={},
        channel_problem=None,
        channel_warned_for=None,
    )


def save_settings(
    *, session: Session, team_id: str, change: SettingsChange, updated_by: str, now: datetime
) -> CelebrationSettings:
    """Store an admin's settings and (re)plan the gazette and the top performers.

    - The weekly gazette goes to the celebration channel on the chosen weekday and hour in the
      chosen time zone; the top performers on the first working day of the month at that hour.
    - Top performers turned off → its schedule is paused (nothing is sent), not deleted.
    - A new channel forgets the previous channel's problem: it is checked again.
    """
    ensure_workspace(session=session, team_id=team_id)
    # Two first saves at once (a double click): one row, and the second save waits for the
    # first one's lock instead of failing on the primary key.
    insert_or_ignore(
        session,
        CelebrationSettings,
        [
            {
                "team_id": team_id,
                "exchange_rates": {},
                "won_stages": [],
                "salesforce_won_stages": [],
                "updated_at": now,
            }
        ],
        ["team_id"],
    )
    settings = session.scalars(
        select(CelebrationSettings)
        .where(CelebrationSettings.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if settings.channel_id != change.channel_id:
        settings.channel_problem = None
    settings.channel_id = change.channel_id
    settings.gazette_weekday = change.weekday
    settings.gazette_hour = change.hour
    settings.gazette_tz = change.tz
    settings.top_performers = change.top_performers
    settings.won_stages = list(change.won_stages)
    settings.hubspot_portal_id = change.portal_id
    settings.salesforce_won_stages = list(change.salesforce_stages)
    settings.base_currency = change.base_currency
    settings.exchange_rates = {code: format(rate, "f") for code, rate in change.rates.items()}
    settings.updated_by = updated_by
    settings.updated_at = now
    session.flush()
    holidays = scheduling.holidays_of(session=session, team_id=team_id)
    scheduling.save_schedule(
        session=session,
        team_id=team_id,
        kind=GAZETTE_KIND,
        subject=WORKSPACE_SUBJECT,
        recipient=change.channel_id,
        cadence=Cadence(Frequency.weekly, hour=change.hour, weekday=change.weekday, tz=change.tz),
        now=now,
    )
    scheduling.save_schedule(
        session=session,
        team_id=team_id,
        kind=TOP_PERFORMERS_KIND,
        subject=WORKSPACE_SUBJECT,
        recipient=change.channel_id,
        cadence=Cadence(
            Frequency.monthly_first_working_day, hour=change.hour, tz=change.tz, holidays=holidays
        ),
        now=now,
    )
    if change.top_performers:
        schedule = scheduling.find_schedule(
            session=session, team_id=team_id, kind=TOP_PERFORMERS_KIND, subject=WORKSPACE_SUBJECT
        )
        if schedule is not None and schedule.paused:
            scheduling.resume_schedule(
                session=session,
                team_id=team_id,
                kind=TOP_PERFORMERS_KIND,
                subject=WORKSPACE_SUBJECT,
                now=now,
            )
    else:
        scheduling.pause_schedule(
            session=session, team_id=team_id, kind=TOP_PERFORMERS_KIND, subject=WORKSPACE_SUBJECT
        )
    return settings


def team_for_portal(*, session: Session, portal_id: str) -> str | None:
    """The workspace a HubSpot portal's webhooks belong to.

    The workspace whose settings name this portal; failing that, when the bot serves exactly
    one workspace and that workspace names no other portal, that workspace (the single-workspace
    default); otherwise nobody (the event is ignored and logged).
    """
    mapped = session.scalar(
        select(CelebrationSettings.team_id).where(
            CelebrationSettings.hubspot_portal_id == portal_id
        )
    )
    if mapped is not None:
        return mapped
    teams = list(session.scalars(select(Workspace.team_id).limit(2)))
    if len(teams) != 1:
        return None
    only = session.get(CelebrationSettings, teams[0])
    return teams[0] if only is None or only.hubspot_portal_id is None else None
