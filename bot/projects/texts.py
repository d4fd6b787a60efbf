"""Labels and text of the projects domain, shared by messages, modals and reports: translated
labels, numbers with units, progress bars, KPI and roll-out lines, small block builders.
Pure functions: no database, no network.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.errors import N_
from bot.i18n import Translator
from bot.people import person
from bot.projects import state
from bot.projects.flash import ProjectFacts
from bot.projects.ids import ProjectAction
from bot.projects.kpi_values import KpiReading
from bot.projects.models import Milestone, Project, ProjectEvent, RolloutLine, StatusReason
from bot.scheduling.models import Schedule

Blocks = list[dict[str, Any]]
SECTION_LIMIT = 2900  # Slack allows 3,000 characters of section text; keep a margin
HEADER_LIMIT = 150
LIST_PAGE = 10

PHASES = {
    "framing": N_("Framing"),
    "pilot": N_("Pilot with a test team"),
    "tooling": N_("Tooling and process"),
    "rollout": N_("Roll-out"),
    "follow_up": N_("Follow-up"),
    "handed_off": N_("Handed off"),
}
HEALTHS = {"on_track": N_("On track"), "at_risk": N_("At risk"), "off_track": N_("Off track")}
NO_STATUS = N_("no status yet")
HEALTH_EMOJI = {"on_track": "🟢", "at_risk": "🟠", "off_track": "🔴", None: "⚪"}
STATUSES = {
    "active": N_("Active"),
    "paused": N_("Paused"),
    "abandoned": N_("Abandoned"),
    "completed": N_("Completed"),
}
ROLLOUT = {
    "not_started": N_("Not started"),
    "piloting": N_("Piloting"),
    "live": N_("Live"),
    "handed_off": N_("Handed off"),
}
ROLLOUT_EMOJI = {"not_started": "⚪", "piloting": "🧪", "live": "✅", "handed_off": "🤝"}
REASON_LABELS = {
    "reprioritisation": N_("Re-prioritisation"),
    "failure": N_("Failure"),
    "not_mature": N_("Not mature enough"),
    "other": N_("Other"),
}
WEEKDAYS = [
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
]
EVENTS = {
    "created": N_("created the project"),
    "paused": N_("paused it"),
    "resumed": N_("resumed it"),
    "abandoned": N_("abandoned it"),
    "completed": N_("handed it off: complete"),
    "phase_changed": N_("moved it to a new phase"),
    "update_posted": N_("posted an update"),
    "rollout_changed": N_("changed the roll-out table"),
    "milestone_reached": N_("marked a milestone reached"),
    "checkin_missed": N_("check-in missed"),
}


def reason_label(t: Translator, reason: str | None) -> str:
    msgid = REASON_LABELS.get(reason or "") or REASON_LABELS[StatusReason.other]
    return t.gettext(msgid)


def health_label(t: Translator, health: str | None) -> str:
    msgid = HEALTHS.get(health or "") or NO_STATUS
    return t.gettext(msgid)


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def progress_bar(t: Translator, fraction: float | None, width: int = 10) -> str:
    """A text bar for a fraction of the way (0 → 1), clamped, with the percentage in the
    reader's language: `▓▓▓▓░░░░░░ 40 %`. Beyond the target the percentage shows it."""
    if fraction is None:
        return "░" * width + " –"
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return "▓" * filled + "░" * (width - filled) + " " + t.percent(fraction, digits=0)


def number(t: Translator, value: float | None, unit: str = "") -> str:
    """A KPI value in the reader's language (12.5 → "12,5" in French, 1200.0 → "1,200" in
    English), with its unit: a percentage unit is written as the language writes percentages
    ("12,5 %"), other units follow a space."""
    if value is None:
        return "–"
    if unit == "%":
        return t.percent(value / 100, digits=2)
    text = t.number(0.0 if value == 0 else value)
    return f"{text} {unit}" if unit else text


def exact_number(value: float) -> str:
    """Every digit of a stored value, as a plain decimal people can edit and the bot reads back
    to the same number: 0.4567 → "0.4567", 1200.0 → "1200", 1e-05 → "0.00001"."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed(t: Translator, value: float, unit: str = "") -> str:
    text = number(t, abs(value), unit)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def mention(t: Translator, user_id: str | None) -> str:
    """A person as a Slack mention; an erased member as "a former member" (bot/people.py)."""
    return person(t, user_id)


def kpi_line(t: Translator, reading: KpiReading) -> str:
    """One KPI: current against target, its bar, and the change since the last check-in."""
    kpi = reading.kpi
    head = t.gettext("*{name}*: {current} (baseline {baseline}, target {target})").format(
        name=kpi.name,
        current=number(t, kpi.current_value, kpi.unit),
        baseline=number(t, kpi.baseline, kpi.unit),
        target=number(t, kpi.target, kpi.unit),
    )
    if kpi.target_date:
        head += " " + t.gettext("by {date}").format(date=t.channel_day(kpi.target_date))
    bar = f"`{progress_bar(t, reading.progress.fraction)}`"
    if reading.progress.reached:
        bar += " 🎯"
    change = reading.change
    if change is None:
        return f"{head}\n{bar}"
    if change.improved is None:
        moved = t.gettext("no change since the last check-in")
    elif change.improved:
        moved = t.gettext("▲ {delta} since the last check-in (better)").format(
            delta=signed(t, change.delta, kpi.unit)
        )
    else:
        moved = t.gettext("▼ {delta} since the last check-in (worse)").format(
            delta=signed(t, change.delta, kpi.unit)
        )
    return f"{head}\n{bar} · {moved}"


def rollout_line(t: Translator, line: RolloutLine) -> str:
    text = f"{ROLLOUT_EMOJI.get(line.status, '⚪')} {line.name}: {t.gettext(ROLLOUT[line.status])}"
    if line.local_owner_id:
        text += " · " + t.gettext("local owner {user}").format(user=mention(t, line.local_owner_id))
    return text


def milestone_line(t: Translator, milestone: Milestone) -> str:
    flag = " 🚦 " + t.gettext("GO/NO-GO") if milestone.is_decision else ""
    return f"• {t.channel_day(milestone.due_date)} · {milestone.name}{flag}"


def cadence_text(t: Translator, schedule: Schedule | None) -> str:
    if schedule is None:
        return t.gettext("no check-ins")
    # The schedule's own zone, said: one time that is right for every reader of the card.
    at = f"{t.clock(schedule.hour, schedule.minute)} ({schedule.tz})"
    if schedule.weekday is None:
        text = t.gettext("every working day at {time}").format(time=at)
    else:
        text = t.gettext("every {weekday} at {time}").format(
            weekday=t.gettext(WEEKDAYS[schedule.weekday]), time=at
        )
    return text + (" · " + t.gettext("paused") if schedule.paused else "")


def local_day(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def status_text(t: Translator, project: Project | ProjectFacts) -> str:
    text = t.gettext(STATUSES[project.status])
    if project.status in ("paused", "abandoned") and project.status_reason:
        text += " · " + reason_label(t, project.status_reason)
        if project.status_note:
            text += f" ({project.status_note})"
    return text


def section(text: str) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=clip(text))).to_dict()


def context(text: str) -> dict[str, Any]:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 2900))]).to_dict()


def divider_block() -> dict[str, Any]:
    return DividerBlock().to_dict()


def header(text: str) -> dict[str, Any]:
    return HeaderBlock(text=clip(text, HEADER_LIMIT)).to_dict()


def button(
    text: str, action: ProjectAction | str, value: state._State, style: str | None = None
) -> ButtonElement:
    return ButtonElement(text=text, action_id=action, value=state.dump(value), style=style)


def actions(*elements: ButtonElement, block_id: str | None = None) -> dict[str, Any]:
    return ActionsBlock(elements=list(elements), block_id=block_id).to_dict()


def notice(text: str) -> Blocks:
    return [section(text)]


def project_fraction(project: Project | ProjectFacts) -> float | None:
    return None if project.progress_pct is None else project.progress_pct / 100


def history_line(t: Translator, event: ProjectEvent) -> str:
    who = mention(t, event.actor_id) if event.actor_id else t.gettext("RevOps bot")
    what = t.gettext(EVENTS.get(event.kind, event.kind))
    line = f"{t.channel_day(event.at.date())} · {who} {what}"
    if event.reason:
        line += ": " + reason_label(t, event.reason)
    if event.note:
        line += f" — {clip(event.note, 200)}"
    return line
