"""What the project modals hold, read into the drafts the rules validate.

Input: `bot.slack.forms.submitted_values(view)`, a {action_id: value} dict whose keys are the
field paths of the modals. Pure functions, no Slack calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.projects import state
from bot.projects.validation import (
    KpiDraft,
    MilestoneDraft,
    ProjectDraft,
    RolloutChange,
    UpdateDraft,
    split_lines,
)


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def wants_join(values: dict[str, Any]) -> bool:
    """The user ticked "let the bot join this channel"."""
    return "join" in (values.get("join") or [])


def project_draft(values: dict[str, Any], meta: state.CreateMeta) -> ProjectDraft:
    kpis = [
        KpiDraft(
            name=_text(values, f"kpis.{index}.name"),
            unit=_text(values, f"kpis.{index}.unit"),
            baseline=_text(values, f"kpis.{index}.baseline"),
            target=_text(values, f"kpis.{index}.target"),
            target_date=values.get(f"kpis.{index}.target_date"),
            direction=values.get(f"kpis.{index}.direction") or "up",
        )
        for index in range(meta.kpis)
    ]
    milestones = [
        MilestoneDraft(
            name=_text(values, f"milestones.{index}.name"),
            due_date=values.get(f"milestones.{index}.due_date"),
            is_decision="decision" in (values.get(f"milestones.{index}.is_decision") or []),
            remind_days_before=_text(values, f"milestones.{index}.remind_days_before"),
        )
        for index in range(meta.milestones)
    ]
    return ProjectDraft(
        name=" ".join(_text(values, "name").split()),
        objective=_text(values, "objective"),
        owner_id=values.get("owner") or "",
        channel_id=values.get("channel") or "",
        start_date=values.get("start_date"),
        target_end_date=values.get("target_end_date"),
        checkin_day=values.get("checkin_day") or "",
        checkin_time=values.get("checkin_time") or "",
        phase=values.get("phase") or "framing",
        member_ids=list(values.get("members") or []),
        usergroup_id=values.get("project_usergroup") or None,
        kpis=kpis,
        milestones=milestones,
        rollout_names=split_lines(_text(values, "rollout")),
    )


def update_draft(values: dict[str, Any], meta: state.UpdateMeta) -> UpdateDraft:
    reached = values.get("milestones") or []
    return UpdateDraft(
        health=values.get("health"),
        progress=_text(values, "progress").removesuffix("%").strip(),
        done=_text(values, "done"),
        blockers=_text(values, "blockers"),
        phase=values.get("phase"),
        kpi_values={kpi_id: _text(values, f"kpi.{kpi_id}") for kpi_id in meta.kpis},
        rollout={
            line_id: RolloutChange(
                status=values.get(f"rollout.{line_id}.status") or "",
                local_owner_id=values.get(f"rollout.{line_id}.owner") or None,
            )
            for line_id in meta.lines
            if f"rollout.{line_id}.status" in values
        },
        new_rollout_names=split_lines(_text(values, "new_rollout")),
        milestones_reached=[int(value) for value in reached if str(value).isdigit()],
    )


@dataclass(frozen=True)
class StatusChoice:
    reason: str | None
    note: str


def status_choice(values: dict[str, Any]) -> StatusChoice:
    return StatusChoice(reason=values.get("reason"), note=_text(values, "note"))


@dataclass(frozen=True)
class FlashChoice:
    channel_id: str
    join: bool
    weekday: str | None
    at: str
    tz: str


def flash_choice(values: dict[str, Any]) -> FlashChoice:
    return FlashChoice(
        channel_id=values.get("channel") or "",
        join=wants_join(values),
        weekday=values.get("weekday"),
        at=values.get("time") or "",
        tz=_text(values, "tz"),
    )
