"""Rules of valid input: what a project, a KPI, a milestone, an update or a reason must be.

Second rules module of the projects domain (the first is service.py). Everything here is a pure
function of what the user typed, except `name_taken`; each returns `Problems`, a field path
("name", "kpis.0.target", "rollout.12.owner") → why it is refused, which handlers show on the
field of the modal. Nothing is stored while a problem remains.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import N_, Np_
from bot.projects.models import Direction, Health, Phase, Project, RolloutStatus, StatusReason

MAX_NAME = 80
MAX_OBJECTIVE = 300
MAX_KPIS = 10
MAX_MILESTONES = 20
MAX_ROLLOUT_LINES = 30
MAX_REMIND_DAYS = 30
# What the create modal's inputs declare as max_length (and the columns hold).
MAX_KPI_NAME = 80
MAX_KPI_UNIT = 20
MAX_MILESTONE_NAME = 120
TOO_LONG = Np_("Keep it under {limit} character.", "Keep it under {limit} characters.", "limit")
DEFAULT_REMIND_DAYS = 3
EVERY_WORKING_DAY = "daily"


@dataclass(frozen=True)
class Problem:
    """Why a field is refused: an English msgid (N_) and its str.format parameters."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)


# Field path ("name", "kpis.0.target", "rollout.12.owner") → what is wrong with it.
Problems = dict[str, Problem]


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_number(text: str) -> float | None:
    """A KPI value as people type it ("12.5", "12,5", "1 200", "1,200.5", "35 %"), else None."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").removesuffix("%")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # "1,200.5": commas group thousands
    else:
        cleaned = cleaned.replace(",", ".")  # "12,5": a decimal comma
    if not _NUMBER.fullmatch(cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class KpiDraft:
    name: str = ""
    unit: str = ""
    baseline: str = ""
    target: str = ""
    target_date: date | None = None
    direction: str | None = None

    @property
    def is_blank(self) -> bool:
        return not (self.name or self.baseline or self.target or self.unit or self.target_date)


@dataclass(frozen=True)
class MilestoneDraft:
    name: str = ""
    due_date: date | None = None
    is_decision: bool = False
    remind_days_before: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.name or self.due_date)


@dataclass(frozen=True)
class ProjectDraft:
    name: str
    objective: str
    owner_id: str
    channel_id: str
    start_date: date | None
    target_end_date: date | None
    checkin_day: str  # "0".."6" (Monday..Sunday) or EVERY_WORKING_DAY
    checkin_time: str  # "HH:MM" in the owner's time zone
    phase: str = Phase.framing
    member_ids: list[str] = field(default_factory=list)
    usergroup_id: str | None = None
    kpis: list[KpiDraft] = field(default_factory=list)
    milestones: list[MilestoneDraft] = field(default_factory=list)
    rollout_names: list[str] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    """One team or country per line (commas also separate), blanks dropped."""
    return [part.strip() for part in re.split(r"[\n,;]", text or "") if part.strip()]


def validate_project(*, session: Session, team_id: str, draft: ProjectDraft) -> Problems:
    """Every rule a new project must meet; an empty result means it can be created.

    Rules: a unique name (case-insensitive) in the workspace; a one-sentence objective; an end
    after the start; a check-in time; KPIs with numeric baseline and target, a target that
    differs from the baseline in the direction that is good; milestones on or after the start.
    """
    problems: Problems = {}
    if not draft.name:
        problems["name"] = Problem(N_("Give the project a name."))
    elif len(draft.name) > MAX_NAME:
        problems["name"] = Problem(
            Np_(
                "Keep the name under {limit} character.",
                "Keep the name under {limit} characters.",
                "limit",
            ),
            {"limit": MAX_NAME},
        )
    elif name_taken(session=session, team_id=team_id, name=draft.name):
        problems["name"] = Problem(
            N_("A project named “{name}” already exists."), {"name": draft.name}
        )
    if not draft.objective:
        problems["objective"] = Problem(N_("Say in one sentence what the project achieves."))
    elif len(draft.objective) > MAX_OBJECTIVE:
        problems["objective"] = Problem(
            Np_(
                "Keep the objective under {limit} character.",
                "Keep the objective under {limit} characters.",
                "limit",
            ),
            {"limit": MAX_OBJECTIVE},
        )
    if not draft.owner_id:
        problems["owner"] = Problem(N_("Pick the owner."))
    if not draft.channel_id:
        problems["channel"] = Problem(N_("Pick the channel where the project is animated."))
    if draft.start_date is None:
        problems["start_date"] = Problem(N_("Pick the start date."))
    if draft.target_end_date is None:
        problems["target_end_date"] = Problem(N_("Pick the target end date."))
    elif draft.start_date and draft.target_end_date <= draft.start_date:
        problems["target_end_date"] = Problem(
            N_("The target end date must be after the start date.")
        )
    if draft.checkin_day not in {EVERY_WORKING_DAY, *(str(day) for day in range(7))}:
        problems["checkin_day"] = Problem(N_("Pick the day of the check-in."))
    if parse_time(draft.checkin_time) is None:
        problems["checkin_time"] = Problem(N_("Pick the time of the check-in."))
    if draft.phase not in Phase.__members__:
        problems["phase"] = Problem(N_("Pick a phase."))
    problems |= validate_kpis(draft.kpis, start_date=draft.start_date, existing=set())
    problems |= validate_milestones(draft.milestones, start_date=draft.start_date)
    problems |= validate_rollout_names(draft.rollout_names, existing=set(), field_name="rollout")
    return problems


def validate_kpis(
    kpis: list[KpiDraft], *, start_date: date | None, existing: set[str], prefix: str = "kpis"
) -> Problems:
    """KPI rules, field by field: name, numeric baseline and target, target ≠ baseline and
    in the good direction, target date not before the start."""
    problems: Problems = {}
    seen = set(existing)
    filled = [(index, kpi) for index, kpi in enumerate(kpis) if not kpi.is_blank]
    if len(filled) + len(existing) > MAX_KPIS:
        problems[f"{prefix}.0.name"] = Problem(
            Np_(
                "A project tracks at most {limit} KPI.",
                "A project tracks at most {limit} KPIs.",
                "limit",
            ),
            {"limit": MAX_KPIS},
        )
    for index, kpi in filled:
        where = f"{prefix}.{index}"
        if not kpi.name:
            problems[f"{where}.name"] = Problem(N_("Give this KPI a name."))
        elif len(kpi.name) > MAX_KPI_NAME:
            problems[f"{where}.name"] = Problem(TOO_LONG, {"limit": MAX_KPI_NAME})
        elif name_key(kpi.name) in seen:
            problems[f"{where}.name"] = Problem(N_("Two KPIs cannot share a name."))
        seen.add(name_key(kpi.name))
        if len(kpi.unit) > MAX_KPI_UNIT:
            problems[f"{where}.unit"] = Problem(TOO_LONG, {"limit": MAX_KPI_UNIT})
        baseline, target = parse_number(kpi.baseline), parse_number(kpi.target)
        if baseline is None:
            problems[f"{where}.baseline"] = Problem(N_("The baseline must be a number."))
        if target is None:
            problems[f"{where}.target"] = Problem(N_("The target must be a number."))
        elif baseline is not None and target == baseline:
            problems[f"{where}.target"] = Problem(
                N_("The target must differ from the baseline, or there is nothing to reach.")
            )
        elif baseline is not None and kpi.direction == Direction.up and target < baseline:
            problems[f"{where}.target"] = Problem(
                N_("Up is good for this KPI: the target must be above the baseline.")
            )
        elif baseline is not None and kpi.direction == Direction.down and target > baseline:
            problems[f"{where}.target"] = Problem(
                N_("Down is good for this KPI: the target must be below the baseline.")
            )
        if kpi.direction not in Direction.__members__:
            problems[f"{where}.direction"] = Problem(N_("Say whether up or down is good."))
        if kpi.target_date and start_date and kpi.target_date < start_date:
            problems[f"{where}.target_date"] = Problem(
                N_("The target date is before the project starts.")
            )
    return problems


def validate_milestones(
    milestones: list[MilestoneDraft], *, start_date: date | None, prefix: str = "milestones"
) -> Problems:
    """Milestone rules: a name, a date on or after the start, reminders 0 to 30 days before."""
    problems: Problems = {}
    for index, milestone in enumerate(milestones):
        if milestone.is_blank:
            continue
        where = f"{prefix}.{index}"
        if not milestone.name:
            problems[f"{where}.name"] = Problem(N_("Give this milestone a name."))
        elif len(milestone.name) > MAX_MILESTONE_NAME:
            problems[f"{where}.name"] = Problem(TOO_LONG, {"limit": MAX_MILESTONE_NAME})
        if milestone.due_date is None:
            problems[f"{where}.due_date"] = Problem(N_("Pick the milestone's date."))
        elif start_date and milestone.due_date < start_date:
            problems[f"{where}.due_date"] = Problem(
                N_("This milestone is before the project starts ({start})."),
                {"start": start_date.isoformat()},
            )
        if remind_days(milestone.remind_days_before) is None:
            problems[f"{where}.remind_days_before"] = Problem(
                Np_(
                    "Remind between 0 and {limit} day before.",
                    "Remind between 0 and {limit} days before.",
                    "limit",
                ),
                {"limit": MAX_REMIND_DAYS},
            )
    if sum(1 for milestone in milestones if not milestone.is_blank) > MAX_MILESTONES:
        problems[f"{prefix}.0.name"] = Problem(
            Np_(
                "A project has at most {limit} milestone.",
                "A project has at most {limit} milestones.",
                "limit",
            ),
            {"limit": MAX_MILESTONES},
        )
    return problems


def validate_rollout_names(names: list[str], *, existing: set[str], field_name: str) -> Problems:
    """Teams or countries of the roll-out table: unique, at most 30, 80 characters each."""
    keys = [name_key(name) for name in names]
    if len(names) + len(existing) > MAX_ROLLOUT_LINES:
        message = Np_(
            "The roll-out table holds at most {limit} team or country.",
            "The roll-out table holds at most {limit} teams or countries.",
            "limit",
        )
        return {field_name: Problem(message, {"limit": MAX_ROLLOUT_LINES})}
    if any(len(name) > 80 for name in names):
        return {field_name: Problem(N_("Keep each team or country under 80 characters."))}
    duplicates = sorted({n for n, k in zip(names, keys, strict=True) if keys.count(k) > 1})
    duplicates += [n for n, k in zip(names, keys, strict=True) if k in existing]
    if duplicates:
        return {
            field_name: Problem(
                N_("Listed twice: {names}."), {"names": ", ".join(dict.fromkeys(duplicates))}
            )
        }
    return {}


def remind_days(text: str) -> int | None:
    """Days before a milestone to remind: blank means the default (3)."""
    if not text.strip():
        return DEFAULT_REMIND_DAYS
    return int(text) if text.strip().isdigit() and int(text) <= MAX_REMIND_DAYS else None


def parse_time(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return int(match[1]), int(match[2])


def valid_tz(tz: str) -> bool:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def name_taken(*, session: Session, team_id: str, name: str) -> bool:
    return (
        session.scalar(
            select(Project.id).where(Project.team_id == team_id, Project.name_key == name_key(name))
        )
        is not None
    )


class StatusAction(StrEnum):
    pause = "pause"
    resume = "resume"
    abandon = "abandon"


REASONS: dict[StatusAction, tuple[StatusReason, ...]] = {
    StatusAction.pause: tuple(StatusReason),
    StatusAction.abandon: tuple(StatusReason),
    StatusAction.resume: (StatusReason.reprioritisation, StatusReason.other),
}
MAX_NOTE = 1000


def reason_problems(*, action: StatusAction, reason: str | None, note: str) -> Problems:
    """A pause, resume or abandon needs a reason from the list; "other" needs a few words."""
    if reason not in REASONS[action]:
        return {"reason": Problem(N_("Pick a reason."))}
    if reason == StatusReason.other and not note.strip():
        return {"note": Problem(N_("Say why in a few words."))}
    if len(note) > MAX_NOTE:
        return {"note": Problem(TOO_LONG, {"limit": MAX_NOTE})}
    return {}


def flash_report_problems(*, at: str, tz: str, weekday: str | None) -> Problems:
    problems: Problems = {}
    if weekday is None or not weekday.isdigit() or int(weekday) > 6:
        problems["weekday"] = Problem(N_("Pick a day of the week."))
    if parse_time(at) is None:
        problems["time"] = Problem(N_("Pick the time of the report."))
    if not valid_tz(tz):
        problems["tz"] = Problem(
            N_("“{tz}” is not a time zone; use a name like Europe/Paris."), {"tz": tz}
        )
    return problems


@dataclass(frozen=True)
class RolloutChange:
    status: str
    local_owner_id: str | None = None


@dataclass(frozen=True)
class UpdateDraft:
    """What the update modal holds: blank KPI values leave a KPI as it was."""

    health: str | None
    progress: str = ""
    done: str = ""
    blockers: str = ""
    phase: str | None = None
    kpi_values: dict[int, str] = field(default_factory=dict)  # KPI id → typed value
    rollout: dict[int, RolloutChange] = field(default_factory=dict)  # line id → new state
    new_rollout_names: list[str] = field(default_factory=list)
    milestones_reached: list[int] = field(default_factory=list)


MAX_UPDATE_TEXT = 2500


def validate_update(*, draft: UpdateDraft, existing_line_names: set[str]) -> Problems:
    """An update has a status; progress is a whole percentage from 0 to 100; each KPI value
    is a number; a team or country handed off names its local owner."""
    problems: Problems = {}
    if draft.health not in Health.__members__:
        problems["health"] = Problem(N_("Pick a status: on track, at risk or off track."))
    if draft.progress and progress_percent(draft.progress) is None:
        problems["progress"] = Problem(N_("Progress is a whole number from 0 to 100."))
    for field_name, text in (("done", draft.done), ("blockers", draft.blockers)):
        if len(text) > MAX_UPDATE_TEXT:
            problems[field_name] = Problem(TOO_LONG, {"limit": MAX_UPDATE_TEXT})
    if draft.phase is not None and draft.phase not in Phase.__members__:
        problems["phase"] = Problem(N_("Pick a phase."))
    for kpi_id, text in draft.kpi_values.items():
        if text and parse_number(text) is None:
            problems[f"kpi.{kpi_id}"] = Problem(
                N_("“{value}” is not a number. Type digits, like 42 or 12.5."), {"value": text}
            )
    for line_id, change in draft.rollout.items():
        if change.status not in RolloutStatus.__members__:
            problems[f"rollout.{line_id}.status"] = Problem(N_("Pick a status."))
        elif change.status == RolloutStatus.handed_off and not change.local_owner_id:
            problems[f"rollout.{line_id}.owner"] = Problem(
                N_("Name the local owner who takes it over.")
            )
    problems |= validate_rollout_names(
        draft.new_rollout_names, existing=existing_line_names, field_name="new_rollout"
    )
    return problems


def progress_percent(text: str) -> int | None:
    value = parse_number(text)
    if value is None or value != int(value) or not 0 <= value <= 100:
        return None
    return int(value)
