"""Block Kit of the projects' reports: the weekly flash report (split to stay within Slack's
limits), the "My projects" Home section, the admins' flash report settings, and the sections
projects contribute to the weekly digest and the gazette. Data in, dict out.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_time
from slack_sdk.models.blocks import ButtonElement, ConfirmObject, MarkdownTextObject, SectionBlock

from bot.i18n import Translator
from bot.projects import state
from bot.projects.flash import FlashEntry, FlashReport, ProjectFacts
from bot.projects.ids import ProjectAction
from bot.projects.kpi_values import KpiReading
from bot.projects.models import Project
from bot.projects.reports import DigestEntry, ProjectMoves
from bot.projects.texts import (
    HEALTH_EMOJI,
    HEALTHS,
    PHASES,
    WEEKDAYS,
    Blocks,
    actions,
    button,
    clip,
    context,
    divider_block,
    header,
    local_day,
    mention,
    number,
    progress_bar,
    project_fraction,
    section,
    signed,
    status_text,
)
from bot.projects.views_card import steering_buttons
from bot.scheduling.models import Schedule

MESSAGE_BLOCK_LIMIT = 50
HOME_PROJECTS = 8
PROJECT_TEXT_LIMIT = 1200  # one project's text in the flash report
PROJECTS_PER_SECTION = 3


# ---------------------------------------------------------------- the weekly flash report


def flash_report(t: Translator, report: FlashReport, *, week_of: date) -> list[tuple[str, Blocks]]:
    """The flash report as (text, blocks) messages of at most 50 blocks each: the first one
    carries the title and the summary; the next ones go in its thread."""
    active = report.active
    summary = " · ".join(
        [
            t.count("{count} active", "{count} active", len(active)),
            t.count(
                "{count} off track",
                "{count} off track",
                sum(1 for e in active if e.project.health == "off_track"),
            ),
            t.count(
                "{count} at risk",
                "{count} at risk",
                sum(1 for e in active if e.project.health == "at_risk"),
            ),
            t.count(
                "{count} missed check-in",
                "{count} missed check-ins",
                sum(len(e.missed) for e in active),
            ),
            t.count("{count} paused", "{count} paused", len(report.paused)),
            t.count("{count} abandoned", "{count} abandoned", len(report.abandoned)),
        ]
    )
    # A header is plain text (no date token): the day in the workspace's language.
    title = t.gettext("Flash report, week of {date}").format(date=t.day(week_of))
    blocks: Blocks = [header(f"📊 {title}"), context(summary), divider_block()]
    blocks.extend(section(text) for text in packed([flash_entry(t, entry) for entry in active]))
    stopped = [*report.paused, *report.abandoned]
    if stopped:
        lines = [stopped_line(t, project) for project in stopped]
        heading = t.gettext("*Paused and abandoned*")
        blocks.extend(section(text) for text in packed([heading, *lines], per_section=25))
    chunks = [
        blocks[start : start + MESSAGE_BLOCK_LIMIT]
        for start in range(0, len(blocks), MESSAGE_BLOCK_LIMIT)
    ]
    if len(chunks) == 1:
        return [(f"{title}: {summary}", chunks[0])]
    return [
        (
            t.gettext("{title} (part {part} of {parts})").format(
                title=title, part=index + 1, parts=len(chunks)
            ),
            chunk,
        )
        for index, chunk in enumerate(chunks)
    ]


def packed(texts: list[str], *, per_section: int = PROJECTS_PER_SECTION) -> list[str]:
    """Texts grouped into section-sized pieces (a few projects each, under 3,000 characters):
    fewer blocks, so a large report needs fewer messages."""
    pieces: list[str] = []
    current: list[str] = []
    for text in texts:
        if current and (
            len(current) >= per_section
            or sum(len(piece) + 2 for piece in current) + len(text) > 2800
        ):
            pieces.append("\n\n".join(current))
            current = []
        current.append(text)
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def flash_entry(t: Translator, entry: FlashEntry) -> str:
    project = entry.project
    health = t.gettext(HEALTHS[project.health]) if project.health else t.gettext("no update yet")
    lines = [
        t.gettext("{emoji} *{name}* · {health} · {phase} · `{bar}` · owner {owner}").format(
            emoji=HEALTH_EMOJI.get(project.health, "⚪"),
            name=project.name,
            health=health,
            phase=t.gettext(PHASES[project.phase]),
            bar=progress_bar(t, project_fraction(project), width=5),
            owner=mention(t, project.owner_id),
        )
    ]
    lines.extend(kpi_compact(t, reading) for reading in entry.readings)
    if project.blockers:
        lines.append(
            t.gettext("⚠️ Blockers: {text}").format(
                text=clip(" ".join(project.blockers.split()), 300)
            )
        )
    if entry.milestones:
        lines.append(
            "🗓 "
            + "; ".join(
                f"{t.channel_day(m.due_date)} {m.name}" + (" 🚦" if m.is_decision else "")
                for m in entry.milestones[:5]
            )
        )
    if entry.missed:
        lines.append(
            "❌ "
            + t.gettext("Missed check-in: {periods}").format(
                periods=", ".join(
                    t.channel_day(local_day(c.due_at, project.tz)) for c in entry.missed
                )
            )
        )
    return clip("\n".join(lines), PROJECT_TEXT_LIMIT)


def kpi_compact(t: Translator, reading: KpiReading) -> str:
    kpi = reading.kpi
    current, target = number(t, kpi.current_value, kpi.unit), number(t, kpi.target, kpi.unit)
    bar = progress_bar(t, reading.progress.fraction, width=5)
    text = f"• {kpi.name} {current} → {target} `{bar}`"
    if reading.progress.reached:
        text += " 🎯"
    if reading.change and reading.change.improved is not None:
        arrow = "▲" if reading.change.delta > 0 else "▼"
        text += f" {arrow} {signed(t, reading.change.delta)}"
    return text


def stopped_line(t: Translator, project: ProjectFacts) -> str:
    when = t.channel_day(project.status_changed_at.date()) if project.status_changed_at else "–"
    return t.gettext("*{name}* · {status} since {date}").format(
        name=project.name, status=status_text(t, project), date=when
    )


# ---------------------------------------------------------------- Home


def my_projects_section(
    t: Translator, projects: list[Project], *, total: int, steerable: set[int]
) -> Blocks:
    """The user's ongoing projects with their buttons, within about 20 blocks; pause, resume
    and abandon only on the projects in `steerable` (the viewer owns them, or is an admin)."""
    intro = (
        t.gettext("*My projects*")
        + "\n"
        + (
            t.gettext("Projects you own or take part in.")
            if projects
            else t.gettext("You own or take part in no project yet.")
        )
    )
    blocks: Blocks = [
        SectionBlock(
            text=MarkdownTextObject(text=intro),
            accessory=button(
                t.gettext("New project"), ProjectAction.new, state.ListPage(offset=0), "primary"
            ),
        ).to_dict()
    ]
    for project in projects[:HOME_PROJECTS]:
        line = t.gettext("{emoji} *{name}* · {status} · `{bar}`").format(
            emoji=HEALTH_EMOJI.get(project.health, "⚪"),
            name=project.name,
            status=t.gettext(HEALTHS[project.health])
            if project.health and project.status == "active"
            else status_text(t, project),
            bar=progress_bar(t, project_fraction(project), width=5),
        )
        open_button = button(t.gettext("Open"), ProjectAction.open, state.ProjectRef(p=project.id))
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip(line)), accessory=open_button).to_dict()
        )
        buttons: list[ButtonElement] = steering_buttons(
            t, project, may_steer=project.id in steerable
        )
        if buttons:
            blocks.append(actions(*buttons))
    if total > HOME_PROJECTS:
        blocks.append(
            context(
                t.count(
                    "and {count} more: `/revops-project` lists them all.",
                    "and {count} more: `/revops-project` lists them all.",
                    total - HOME_PROJECTS,
                )
            )
        )
    return blocks


def flash_settings_section(t: Translator, schedule: Schedule | None) -> Blocks:
    """Admins: where and when the weekly flash report goes, with a button to change it."""
    if schedule is None:
        text = t.gettext("*Weekly flash report*: not set up yet.")
    else:
        text = t.gettext(
            "*Weekly flash report*: every {weekday} at {time} ({tz}) in <#{channel}>."
        ).format(
            weekday=t.gettext(WEEKDAYS[schedule.weekday or 0]),
            time=t.clock(schedule.hour, schedule.minute),
            tz=schedule.tz,
            channel=schedule.recipient,
        )
    label = t.gettext("Set up") if schedule is None else t.gettext("Change")
    blocks: Blocks = [
        SectionBlock(
            text=MarkdownTextObject(text=text),
            accessory=button(label, ProjectAction.flash_settings, state.ListPage(offset=0)),
        ).to_dict()
    ]
    if schedule is not None:
        stop = button(
            t.gettext("Stop the report"), ProjectAction.flash_stop, state.ListPage(offset=0)
        )
        stop.confirm = ConfirmObject(
            title=t.gettext("Stop the flash report?"),
            text=t.gettext("No weekly flash report is posted until an admin sets it up again."),
            confirm=t.gettext("Stop it"),
            deny=t.gettext("Keep it"),
        )
        blocks.append(actions(stop))
    return blocks


# ---------------------------------------------------------------- digest and gazette


def digest_section(t: Translator, entries: list[DigestEntry], *, tz: str) -> Blocks:
    """The reader's projects in their weekly digest: check-ins to answer, next milestones."""
    if not entries:
        return []
    lines = [t.gettext("*Your projects*")]
    for entry in entries:
        parts = []
        if entry.pending_checkin is not None:
            parts.append(
                t.gettext("check-in waiting for an update since {date}").format(
                    date=t.day(local_day(entry.pending_checkin.due_at, tz))
                )
            )
        if entry.next_checkin_at is not None:
            when = entry.next_checkin_at.astimezone(ZoneInfo(tz))
            parts.append(
                t.gettext("next check-in {weekday} {date} at {time}").format(
                    weekday=t.gettext(WEEKDAYS[when.weekday()]),
                    date=t.day(when.date()),
                    time=format_time(when, "short", locale=t.language),
                )
            )
        if entry.next_milestone is not None:
            milestone = entry.next_milestone
            parts.append(
                t.gettext("next milestone *{name}* on {date}").format(
                    name=milestone.name, date=t.day(milestone.due_date)
                )
                + (" 🚦" if milestone.is_decision else "")
            )
        lines.append(f"• *{entry.project.name}*: " + " · ".join(parts))
    return [section("\n".join(lines))]


def gazette_section(t: Translator, moves: list[ProjectMoves]) -> Blocks:
    """Projects that moved this week, for the whole team."""
    if not moves:
        return []
    lines = []
    for move in moves:
        parts = [
            *(t.gettext("🏁 *{name}* reached").format(name=m.name) for m in move.milestones),
            *(t.gettext("✅ *{name}* live").format(name=line.name) for line in move.gone_live),
            *(
                t.gettext("🤝 *{name}* handed off to {owner}").format(
                    name=line.name, owner=mention(t, line.local_owner_id)
                )
                for line in move.handed_off
            ),
            *(
                t.gettext("🎯 *{name}* reached its target ({target})").format(
                    name=kpi.name, target=number(t, kpi.target, kpi.unit)
                )
                for kpi in move.targets_reached
            ),
        ]
        lines.append(f"• *{move.project.name}*: " + " · ".join(parts))
    blocks = [section(t.gettext("*Projects that moved this week*"))]
    text, budget = "", 2800
    for line in lines:
        if len(text) + len(line) + 1 > budget:
            blocks.append(section(text))
            text = ""
            if len(blocks) >= 4:
                break
        text += ("\n" if text else "") + line
    if text and len(blocks) < 5:
        blocks.append(section(text))
    return blocks
