"""What `revops-bot jobs list` says, in English an operator reads at a glance: "ticks every
minute, grace 2 days", "1 schedule", "every Monday at 09:00 (each recipient's time zone)".

Operator text, not user text: English only, no gettext.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import humanize

from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.kinds import JobKind
from bot.scheduling.service import CadenceGroup


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 schedule', '2 schedules', '0 schedules'."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def duration(span: timedelta) -> str:
    """'2 days', '12 hours', '1 minute', '1 day and 6 hours'."""
    return str(humanize.precisedelta(span, minimum_unit="seconds"))


def every(seconds: int) -> str:
    """'every minute', 'every 15 seconds', 'every hour'."""
    text = duration(timedelta(seconds=seconds))
    return f"every {text.removeprefix('1 ')}"


def kind_line(kind: JobKind) -> str:
    return f"{kind.name}: ticks {every(kind.tick_seconds)}, grace {duration(kind.grace)}"


def cadence(cadence: Cadence, *, follows_recipient: bool) -> str:
    """'every working day at 09:00 (Europe/Paris)', 'every Monday at 08:30 (each recipient's
    time zone)', 'the first working day of each month at 09:00 (UTC)'."""
    at = f"{cadence.hour:02d}:{cadence.minute:02d}"
    zone = "each recipient's time zone" if follows_recipient else cadence.tz
    if cadence.frequency is Frequency.daily:
        when = "every working day"
    elif cadence.frequency is Frequency.weekly and cadence.weekday is not None:
        when = f"every {calendar.day_name[cadence.weekday]}"
    elif cadence.frequency is Frequency.weekly:
        when = "every week"
    else:
        when = "the first working day of each month"
    return f"{when} at {at} ({zone})"


def moment(when: datetime | None) -> str:
    """'2026-12-07 08:00 UTC'."""
    if when is None:
        return "-"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def team_lines(groups: list[CadenceGroup]) -> list[str]:
    """One line per workspace: how many schedules, on which cadence(s), the next run."""
    lines = []
    for team in dict.fromkeys(group.team_id for group in groups):
        mine = [group for group in groups if group.team_id == team]
        count = sum(group.schedules for group in mine)
        # Schedules that follow each recipient's zone read as one cadence, whatever the zones.
        cadences = {cadence(g.cadence, follows_recipient=g.follows_recipient) for g in mine}
        how = cadences.pop() if len(cadences) == 1 else f"on {plural(len(cadences), 'cadence')}"
        next_run = min(group.next_run for group in mine)
        lines.append(f"{team}: {plural(count, 'schedule')}, {how}; next run {moment(next_run)}")
    return lines
