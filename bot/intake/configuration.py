"""The workspace's intake settings: rules for what an admin may set, and reading them back."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.errors import N_, Np_, UserFacingError
from bot.intake import service
from bot.intake.models import IntakeSettings, Rollout, WhoMayFile
from bot.intake.priority import Calendar
from bot.scheduling import public_holidays
from bot.scheduling.service import holidays_of
from bot.workspaces.models import Member, Workspace
from bot.workspaces.service import ensure_workspace

CAPACITY_MAX_HOURS = 200
DAYS_MAX = 60
ROLLOUT_NAME_MAX = 100
ROLLOUTS_MAX = 20
HOLIDAYS_MAX = 100
ROLLOUTS_INPUT_MAX = ROLLOUTS_MAX * (ROLLOUT_NAME_MAX + 1)  # one name per line


def stored_settings(*, session: Session, team_id: str) -> IntakeSettings | None:
    """The workspace's intake settings if they were ever stored (a read that writes nothing)."""
    kept: dict[str, IntakeSettings] = session.info.setdefault("intake_settings", {})
    settings = kept.get(team_id) or session.get(IntakeSettings, team_id)
    if settings is not None:
        kept[team_id] = settings
    return settings


def settings_of(*, session: Session, team_id: str) -> IntakeSettings:
    """The workspace's intake settings, created with the defaults on first use.

    Read once per session: the session keeps the row (its identity map alone holds weak
    references), so the many readers of one Home tab or job share one SELECT.
    """
    settings = stored_settings(session=session, team_id=team_id)
    if settings is not None:
        return settings  # its workspace row exists: the settings row's foreign key says so
    ensure_workspace(session=session, team_id=team_id)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two first requests at once: the second insert does nothing and reads the first one's row.
    session.execute(
        insert(IntakeSettings)
        .values(
            team_id=team_id,
            revops_member_ids=[],
            filer_usergroup_ids=[],
            who_may_file=WhoMayFile.everyone,
            run_capacity_hours=20,
            first_response_sla_days=1,
            ask_why_reminder_days=3,
            ask_why_close_days=10,
            next_number=1,
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    settings = stored_settings(session=session, team_id=team_id)
    assert settings is not None
    return settings


def lock_settings(*, session: Session, team_id: str) -> IntakeSettings:
    """The settings row, locked until commit: serialises filings (references), moves and ETA
    refreshes (service.lock_queue states the lock order)."""
    settings_of(session=session, team_id=team_id)
    settings = service.lock_queue(session=session, team_id=team_id)
    assert settings is not None
    return settings


def calendar_of(*, session: Session, team_id: str) -> Calendar:
    """Weekends and the workspace's holidays."""
    return Calendar.of(holidays_of(session=session, team_id=team_id))


def restricted_to(settings: IntakeSettings) -> list[str]:
    """The user groups whose members alone may file; [] means everyone may (small teams)."""
    if settings.who_may_file == WhoMayFile.usergroups:
        return list(settings.filer_usergroup_ids or [])
    return []


FILERS_ONLY = N_(
    "Only members of {groups} file requests to RevOps. Ask one of them to file it for you: "
    "{people}."
)
FILERS_ONLY_NOBODY = N_(
    "Only members of {groups} file requests to RevOps. Ask one of them to file it for you."
)
PEOPLE_NAMED = 5


def filing_refusal(
    *, user_id: str, groups: list[str], members_of: Callable[[str], frozenset[str]]
) -> UserFacingError | None:
    """Who may file: everyone, unless filing is restricted to user groups (`groups`, from
    restricted_to); then their members only. Anyone else is told which groups file and up to
    PEOPLE_NAMED of their members, group by group, who can file it for them.

    `members_of` looks a group up (Slack, cached): groups are read one by one, and the first
    one the user is in ends the look-ups.
    """
    people: list[str] = []
    for group in groups:
        members = members_of(group)
        if user_id in members:
            return None
        people += sorted(members)
    if not groups:
        return None
    names = ", ".join(f"<@{user}>" for user in list(dict.fromkeys(people))[:PEOPLE_NAMED])
    mentions = ", ".join(f"<!subteam^{group}>" for group in groups)
    if names:
        return UserFacingError(FILERS_ONLY, groups=mentions, people=names)
    return UserFacingError(FILERS_ONLY_NOBODY, groups=mentions)


def active_rollouts(*, session: Session, team_id: str) -> list[Rollout]:
    return list(
        session.scalars(
            select(Rollout)
            .where(Rollout.team_id == team_id, Rollout.active.is_(True))
            .order_by(Rollout.name)
        )
    )


def set_revops_members(*, session: Session, team_id: str, member_ids: frozenset[str]) -> None:
    """Remember who is in the RevOps group, so the Home tab renders without asking Slack."""
    settings = settings_of(session=session, team_id=team_id)
    if set(settings.revops_member_ids or []) != member_ids:
        settings.revops_member_ids = sorted(member_ids)


def is_watched_group(*, session: Session, team_id: str, usergroup_id: str) -> bool:
    settings = session.get(IntakeSettings, team_id)
    return settings is not None and (
        usergroup_id == settings.revops_usergroup_id
        or usergroup_id in (settings.filer_usergroup_ids or [])
    )


# ---------------------------------------------------------------- editing


@dataclass(frozen=True)
class SettingsForm:
    """What an admin submitted in the settings modal (raw values)."""

    intake_channel_id: str | None
    revops_usergroup_id: str | None
    who_may_file: str | None
    filer_usergroup_ids: list[str]
    team_lead_id: str | None
    capacity: str
    sla: str
    reminder: str
    auto_close: str
    holidays: str
    rollouts: str
    tz: str | None = None  # None: keep the zone already chosen
    country: str = ""  # ISO 3166 code whose public holidays are days off ("" for none)
    subdivision: str = ""  # its region with holidays of its own ("" for none), e.g. CA, BY
    worked_holidays: str = ""  # public holidays the team works anyway


@dataclass
class CheckedSettings:
    """A settings form once checked: typed values, and the refusals by field."""

    values: dict[str, object] = field(default_factory=dict)
    holidays: list[date] = field(default_factory=list)
    worked_holidays: list[date] = field(default_factory=list)
    country: str | None = None
    subdivision: str | None = None
    rollouts: list[str] = field(default_factory=list)
    errors: dict[str, tuple[str, dict[str, object]]] = field(default_factory=dict)


def _whole_number(raw: str, *, low: int, high: int) -> int | None:
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def _unknown_region(country: str, typed: str) -> tuple[str, dict[str, object]]:
    """Why a region is refused, with the codes the country has (the first twenty)."""
    if not country:
        return N_("Pick the country of this region first."), {}
    codes = public_holidays.subdivisions(country)
    if not codes:
        return N_("{country} has no regions with holidays of their own."), {"country": country}
    shown = ", ".join(codes[:20]) + (", …" if len(codes) > 20 else "")
    return (
        N_("{value} is not a region of {country} we know; its regions: {codes}."),
        {"value": typed[:20], "country": country, "codes": shown},
    )


def check_settings(form: SettingsForm) -> CheckedSettings:
    """An intake channel is required; capacity is 0–200 hours a week; SLA, reminder and
    auto-close are working days with the auto-close after the reminder; holidays (added, and
    public ones worked anyway) are ISO dates; the country is one whose public holidays are known,
    and its region, if any, one of that country's regions the library knows;
    restricting filers needs at least one user group; the team's time zone is one Python knows."""
    checked = CheckedSettings()
    if not form.intake_channel_id:
        checked.errors["channel"] = (N_("Pick the channel where requests are posted."), {})
    numbers = {
        "capacity": (form.capacity, 0, CAPACITY_MAX_HOURS),
        "sla": (form.sla, 1, DAYS_MAX),
        "reminder": (form.reminder, 1, DAYS_MAX),
        "auto_close": (form.auto_close, 1, DAYS_MAX),
    }
    parsed: dict[str, int] = {}
    for name, (raw, low, high) in numbers.items():
        value = _whole_number(raw, low=low, high=high)
        if value is None:
            checked.errors[name] = (
                N_("Give a whole number from {low} to {high}."),
                {"low": low, "high": high},
            )
        else:
            parsed[name] = value
    if (
        "reminder" in parsed
        and "auto_close" in parsed
        and parsed["auto_close"] <= parsed["reminder"]
    ):
        checked.errors["auto_close"] = (
            Np_(
                "Close after the reminder: more than {days} working day.",
                "Close after the reminder: more than {days} working days.",
                "days",
            ),
            {"days": parsed["reminder"]},
        )
    who = form.who_may_file or WhoMayFile.everyone
    if who == WhoMayFile.usergroups and not form.filer_usergroup_ids:
        checked.errors["filer_groups"] = (N_("Pick the user groups whose members may file."), {})
    for name, raw, days in (
        ("holidays", form.holidays, checked.holidays),
        ("worked_holidays", form.worked_holidays, checked.worked_holidays),
    ):
        for token in re.split(r"[\s,;]+", raw.strip()):
            if not token:
                continue
            try:
                days.append(date.fromisoformat(token))
            except ValueError:
                checked.errors[name] = (
                    N_("{value} is not a date: write dates as 2025-12-25, one per line."),
                    {"value": token[:40]},
                )
                break
        if len(days) > HOLIDAYS_MAX:
            checked.errors[name] = (
                Np_("At most {max} holiday.", "At most {max} holidays.", "max"),
                {"max": HOLIDAYS_MAX},
            )
    country = form.country.strip().upper()
    if country and not public_holidays.is_country(country):
        checked.errors["country"] = (
            N_("{value} is not a country we know: pick one from the list."),
            {"value": country[:40]},
        )
    checked.country = country or None
    typed_region = form.subdivision.strip()
    if typed_region and "country" not in checked.errors:
        region = public_holidays.subdivision_of(country, typed_region) if country else None
        if region is None:
            checked.errors["subdivision"] = _unknown_region(country, typed_region)
        checked.subdivision = region
    names = [line.strip() for line in form.rollouts.splitlines() if line.strip()]
    if any(len(name) > ROLLOUT_NAME_MAX for name in names) or len(names) > ROLLOUTS_MAX:
        checked.errors["rollouts"] = (
            Np_(
                "At most {count} roll-out, one per line, under {max} characters.",
                "At most {count} roll-outs, one per line, each under {max} characters.",
            ),
            {"count": ROLLOUTS_MAX, "max": ROLLOUT_NAME_MAX},
        )
    checked.rollouts = list(dict.fromkeys(names))
    if form.tz and not _is_zone(form.tz):
        checked.errors["tz"] = (N_("Pick a time zone from the list."), {})
    checked.values = {
        "intake_channel_id": form.intake_channel_id,
        "revops_usergroup_id": form.revops_usergroup_id,
        "who_may_file": who,
        "filer_usergroup_ids": list(form.filer_usergroup_ids),
        "team_lead_id": form.team_lead_id,
        "run_capacity_hours": parsed.get("capacity"),
        "first_response_sla_days": parsed.get("sla"),
        "ask_why_reminder_days": parsed.get("reminder"),
        "ask_why_close_days": parsed.get("auto_close"),
        "tz": form.tz,
    }
    return checked


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


ZONES_SHOWN = 100  # a static select's limit


def zones_to_pick(*, session: Session, team_id: str, admin_tz: str) -> tuple[list[str], str]:
    """The zones an admin picks the team's from, and the one proposed: where the workspace's
    members are (the member cache), the admin's own, the current choice and UTC. Proposed:
    the current choice, else the admin's own zone."""
    settings = settings_of(session=session, team_id=team_id)
    proposed = settings.tz or admin_tz
    if not _is_zone(proposed):
        proposed = "UTC"
    members = session.scalars(
        select(Member.tz)
        .where(Member.team_id == team_id, Member.deleted.is_(False))
        .group_by(Member.tz)
        .order_by(func.count().desc())
        .limit(ZONES_SHOWN)
    )
    others = sorted({zone for zone in ("UTC", admin_tz, *members) if zone and _is_zone(zone)})
    shown = sorted({proposed, *[zone for zone in others if zone != proposed][: ZONES_SHOWN - 1]})
    return shown, proposed


def save_settings(
    *,
    session: Session,
    team_id: str,
    checked: CheckedSettings,
    revops_member_ids: frozenset[str],
    now: datetime,
) -> IntakeSettings:
    """Store checked settings. Roll-outs no longer listed end (their requests lose the boost);
    listed ones start or resume. Run capacity, holidays and roll-outs move ETAs: call it
    inside etas.change so that requesters hear of it."""
    assert not checked.errors
    settings = lock_settings(session=session, team_id=team_id)
    workspace = session.get(Workspace, team_id)
    assert workspace is not None
    holidays = sorted({day.isoformat() for day in checked.holidays})
    for name, value in checked.values.items():
        if name == "tz" and value is None:
            continue  # not on the form: the zone chosen before stays
        setattr(settings, name, value)
    settings.revops_member_ids = sorted(revops_member_ids)
    settings.updated_at = now
    workspace.holidays = holidays
    workspace.holiday_country = checked.country
    workspace.holiday_subdivision = checked.subdivision
    workspace.worked_holidays = sorted({day.isoformat() for day in checked.worked_holidays})
    existing = {
        rollout.name: rollout
        for rollout in session.scalars(select(Rollout).where(Rollout.team_id == team_id))
    }
    for name, rollout in existing.items():
        if rollout.active and name not in checked.rollouts:
            rollout.active = False
    for name in checked.rollouts:
        known = existing.get(name)
        if known is None:
            session.add(Rollout(team_id=team_id, name=name, active=True, created_at=now))
        elif not known.active:
            known.active = True
    session.flush()
    return settings
