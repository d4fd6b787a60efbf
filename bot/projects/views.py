"""Block Kit of project messages: check-in cards, update cards, reminders, notices (the project
card, the list and status posts: views_card.py). Data in, dict out: no database, no network.

Language rule: messages posted in a channel (check-in and update cards, milestone reminders,
the flash report, the card announcing a new project) use the workspace's default language,
since a whole team reads them; DMs, ephemeral answers, modals and the Home tab use the reader's
own Slack locale. Callers pass the matching Translator.
"""

from __future__ import annotations

from bot.celebrations.prefill import WinPrefill
from bot.errors import N_
from bot.i18n import Translator
from bot.projects import state
from bot.projects.ids import ProjectAction
from bot.projects.kpi_values import KpiReading
from bot.projects.models import Checkin, Milestone, Project, RolloutLine
from bot.projects.rollout import Celebration
from bot.projects.texts import (
    HEALTH_EMOJI,
    HEALTHS,
    PHASES,
    Blocks,
    actions,
    button,
    context,
    header,
    health_label,
    kpi_line,
    local_day,
    mention,
    notice,
    progress_bar,
    rollout_line,
    section,
)

# ---------------------------------------------------------------- check-ins


def celebrate_action(line_id: int) -> str:
    """One Celebrate button per team or country gone live: Slack refuses two buttons with the
    same action_id in one block (handlers.py matches them all)."""
    return f"{ProjectAction.celebrate}_{line_id}"


def checkin_card(t: Translator, project: Project, checkin: Checkin) -> tuple[str, Blocks]:
    """The card a due check-in posts in the project channel, with its Post update button."""
    text = t.gettext("Check-in time for {name}").format(name=project.name)
    ask = t.gettext(
        "{owner}, time for the check-in of *{name}*: status, progress, blockers and KPI values. "
        "Two minutes keep every team in the loop."
    ).format(owner=mention(t, project.owner_id), name=project.name)
    blocks: Blocks = [header(f"📋 {text}"), section(ask)]
    if project.last_update_at:
        blocks.append(
            context(
                t.gettext("Last update {date}: {health}, {progress} done").format(
                    date=t.channel_day(project.last_update_at.date()),
                    health=health_label(t, project.health),
                    progress=t.percent(project.progress_pct / 100)
                    if project.progress_pct is not None
                    else "–",
                )
            )
        )
    ref = state.CheckinRef(p=project.id, c=checkin.id)
    blocks.append(
        actions(button(t.gettext("Post update"), ProjectAction.post_update, ref, "primary"))
    )
    return text, blocks


def update_card(
    t: Translator,
    *,
    project: Project,
    checkin: Checkin,
    readings: list[KpiReading],
    lines: list[RolloutLine],
    gone_live: list[RolloutLine],
    reached: list[Milestone],
) -> tuple[str, Blocks]:
    """The update as the channel sees it: status, progress bar, what was done, blockers
    highlighted, KPIs from baseline to target with their change, roll-out, first successes."""
    health = checkin.health or "on_track"
    title = t.gettext("{name}: {health}").format(
        name=project.name, health=t.gettext(HEALTHS[health])
    )
    blocks: Blocks = [header(f"{HEALTH_EMOJI[health]} {title}")]
    progress = None if checkin.progress_pct is None else checkin.progress_pct / 100
    summary = t.gettext("*Progress*: `{bar}` · *Phase*: {phase}").format(
        bar=progress_bar(t, progress), phase=t.gettext(PHASES[project.phase])
    )
    if checkin.done_text:
        summary += "\n" + t.gettext("*Done*: {text}").format(text=checkin.done_text)
    blocks.append(section(summary))
    if checkin.blockers:
        blocks.append(
            section(
                t.gettext("⚠️ *Blockers*")
                + "\n"
                + "\n".join(f"> {line}" for line in checkin.blockers.splitlines() if line.strip())
            )
        )
    if readings:
        blocks.append(section("\n".join(kpi_line(t, reading) for reading in readings)))
    if lines:
        live = sum(1 for line in lines if line.status in ("live", "handed_off"))
        blocks.append(
            section(
                t.gettext("*Roll-out*: {live} of {total} live").format(
                    live=t.number(live), total=t.number(len(lines))
                )
                + "\n"
                + "\n".join(rollout_line(t, line) for line in lines)
            )
        )
    if reached:
        blocks.append(
            section(
                "🏁 "
                + t.gettext("Milestones reached: {names}").format(
                    names=", ".join(f"*{m.name}*" for m in reached)
                )
            )
        )
    for start in range(0, min(len(gone_live), 20), 5):
        batch = gone_live[start : start + 5]
        blocks.append(
            section(
                "🎉 "
                + t.gettext("First success: {names} now live!").format(
                    names=", ".join(f"*{line.name}*" for line in batch)
                )
            )
        )
        blocks.append(
            actions(
                *[
                    button(
                        t.gettext("Celebrate {line}").format(line=line.name)[:75],
                        celebrate_action(line.id),
                        state.CelebrateRef(p=project.id, line=line.id),
                        "primary",
                    )
                    for line in batch
                ]
            )
        )
    blocks.append(
        context(
            t.gettext("Posted by {user}").format(user=mention(t, checkin.posted_by))
            + (
                " · "
                + t.gettext("check-in of {date}").format(
                    date=t.channel_day(local_day(checkin.due_at, project.tz))
                )
                if checkin.period
                else ""
            )
        )
    )
    return title, blocks


def checkin_reminder(t: Translator, project: Project, checkin: Checkin) -> tuple[str, Blocks]:
    """The one DM to the owner when a check-in still has no update the next working day."""
    text = t.gettext(
        "Your check-in for *{name}* is still waiting for its update (due {date}). "
        "Post it now: the teams rely on it."
    ).format(name=project.name, date=t.day(local_day(checkin.due_at, project.tz)))
    ref = state.CheckinRef(p=project.id, c=checkin.id)
    return text, [
        section(text),
        actions(button(t.gettext("Post update"), ProjectAction.post_update, ref, "primary")),
    ]


def milestone_reminder(
    t: Translator, project: Project, milestone: Milestone, *, days_left: int
) -> tuple[str, Blocks]:
    """Posted in the project channel N days before a milestone and on the day, to the owner."""
    values = {
        "owner": mention(t, project.owner_id),
        "milestone": milestone.name,
        "name": project.name,
        "date": t.channel_day(milestone.due_date),
        "days": t.number(days_left),
    }
    if days_left <= 0 and milestone.is_decision:
        text = t.gettext(
            "🚦 {owner} today is the GO/NO-GO decision *{milestone}* of *{name}*."
        ).format(**values)
    elif days_left <= 0:
        text = t.gettext("📍 {owner} today is the milestone *{milestone}* of *{name}*.").format(
            **values
        )
    elif milestone.is_decision:
        text = t.ngettext(
            "🚦 {owner} the GO/NO-GO decision *{milestone}* of *{name}* is in {days} day, "
            "on {date}: time to gather what the decision needs.",
            "🚦 {owner} the GO/NO-GO decision *{milestone}* of *{name}* is in {days} days, "
            "on {date}: time to gather what the decision needs.",
            days_left,
        ).format(**values)
    else:
        text = t.ngettext(
            "⏳ {owner} the milestone *{milestone}* of *{name}* is in {days} day, on {date}.",
            "⏳ {owner} the milestone *{milestone}* of *{name}* is in {days} days, on {date}.",
            days_left,
        ).format(**values)
    blocks = [section(text)]
    blocks.append(
        actions(
            button(
                t.gettext("Mark as reached"),
                ProjectAction.milestone_reached,
                state.MilestoneRef(m=milestone.id),
            )
        )
    )
    return text.replace("*", ""), blocks


def milestone_reached(t: Translator, project: Project, milestone: Milestone) -> tuple[str, Blocks]:
    """The reminder whose "Mark as reached" was clicked, shown anew."""
    text = t.gettext("🏁 *{milestone}* of *{name}* reached, marked by {user}.").format(
        milestone=milestone.name, name=project.name, user=mention(t, milestone.reached_by)
    )
    return text, notice(text)


CREATED_BOT_OUTSIDE = N_(
    "*{name}* is created, but the bot cannot post in {channel} yet: type /invite @RevOps bot "
    "in that channel, or its check-ins and reminders will not be posted."
)
FLASH_BOT_OUTSIDE = N_(
    "The flash report is set up, but the bot cannot post in {channel} yet: type "
    "/invite @RevOps bot in that channel before the report is due."
)
UPDATE_NOT_POSTED = N_(
    "Your update of *{name}* is saved, but Slack refused to post it in {channel}. If the bot "
    "is not in that channel, type /invite @RevOps bot there so that the next ones are posted."
)


def created_bot_outside(t: Translator, project: Project) -> tuple[str, Blocks]:
    text = t.gettext(CREATED_BOT_OUTSIDE).format(
        name=project.name, channel=f"<#{project.channel_id}>"
    )
    return text, notice(text)


def flash_bot_outside(t: Translator, channel_id: str) -> tuple[str, Blocks]:
    text = t.gettext(FLASH_BOT_OUTSIDE).format(channel=f"<#{channel_id}>")
    return text, notice(text)


def update_not_posted(t: Translator, project: Project) -> tuple[str, Blocks]:
    text = t.gettext(UPDATE_NOT_POSTED).format(
        name=project.name, channel=f"<#{project.channel_id}>"
    )
    return text, notice(text)


def win_prefill(t: Translator, celebration: Celebration) -> WinPrefill:
    """What the win modal starts from for a team or country that went live."""
    project, line = celebration.project, celebration.line
    return WinPrefill(
        kind="project_first_result",
        title=t.gettext("{line} is live on {name}").format(line=line.name, name=project.name),
        winners=celebration.winners,
        message=t.gettext("First result of *{name}* in {line}: {objective}").format(
            name=project.name, line=line.name, objective=project.objective
        ),
        source_ref=celebration.source_ref,
    )
