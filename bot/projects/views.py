"""Block Kit of project messages: the project card and list, check-in cards, update cards,
reminders. Data in, dict out: no database, no network.

Language rule: messages posted in a channel (check-in and update cards, milestone reminders,
the flash report, the card announcing a new project) use the workspace's default language,
since a whole team reads them; DMs, ephemeral answers, modals and the Home tab use the reader's
own Slack locale. Callers pass the matching Translator.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock

from bot.celebrations.prefill import WinPrefill
from bot.errors import N_
from bot.i18n import Translator
from bot.projects import state
from bot.projects.checkins import Celebration
from bot.projects.ids import ProjectAction
from bot.projects.kpi_values import KpiReading
from bot.projects.models import Checkin, Milestone, Project, RolloutLine
from bot.projects.reports import ProjectCard, ProjectPage
from bot.projects.texts import (
    HEALTH_EMOJI,
    HEALTHS,
    PHASES,
    Blocks,
    actions,
    button,
    cadence_text,
    clip,
    context,
    header,
    health_label,
    history_line,
    kpi_line,
    local_day,
    mention,
    milestone_line,
    progress_bar,
    project_fraction,
    reason_label,
    rollout_line,
    section,
    status_text,
)

# ---------------------------------------------------------------- the project card


def celebrate_action(line_id: int) -> str:
    """One Celebrate button per team or country gone live: Slack refuses two buttons with the
    same action_id in one block (handlers.py matches them all)."""
    return f"{ProjectAction.celebrate}_{line_id}"


def steering_buttons(
    t: Translator, project: Project, *, may_steer: bool = True
) -> list[ButtonElement]:
    """Post update, then pause or resume and abandon for whoever may steer the project (a
    message in a channel: everyone, the rules refuse the others), as its state allows."""
    ref = state.ProjectRef(p=project.id)
    buttons = []
    if project.status == "active":
        buttons.append(
            button(
                t.gettext("Post update"),
                ProjectAction.post_update,
                state.CheckinRef(p=project.id),
                "primary",
            )
        )
    if not may_steer:
        return buttons
    if project.status == "active":
        buttons.append(button(t.gettext("Pause"), ProjectAction.pause, ref))
    if project.status == "paused":
        buttons.append(button(t.gettext("Resume"), ProjectAction.resume, ref, "primary"))
    if project.status in ("active", "paused"):
        buttons.append(button(t.gettext("Abandon"), ProjectAction.abandon, ref, "danger"))
    return buttons


def project_card(
    t: Translator, card: ProjectCard, *, with_buttons: bool = True, may_steer: bool = True
) -> Blocks:
    """A project at a glance: objective, owner, phase, status, KPIs against target, the
    roll-out table, the next milestones, the latest history."""
    project = card.project
    blocks: Blocks = [header(f"{HEALTH_EMOJI.get(project.health, '⚪')} {project.name}")]
    facts = [
        f"_{project.objective}_",
        t.gettext("*Owner*: {owner} · *Channel*: <#{channel}>").format(
            owner=mention(t, project.owner_id), channel=project.channel_id
        ),
        t.gettext("*Phase*: {phase} · *Status*: {status}").format(
            phase=t.gettext(PHASES[project.phase]), status=status_text(t, project)
        ),
        t.gettext("*Dates*: {start} → {end} · *Check-ins*: {cadence}").format(
            start=t.channel_day(project.start_date),
            end=t.channel_day(project.target_end_date),
            cadence=cadence_text(t, card.cadence),
        ),
    ]
    if card.members:
        shown = ", ".join(mention(t, user) for user in card.members[:15])
        more = len(card.members) - 15
        facts.append(
            t.gettext("*Members*: {members}").format(members=shown)
            + (f" (+{more})" if more > 0 else "")
        )
    blocks.append(section("\n".join(facts)))
    if project.health:
        latest = t.gettext("*Latest update*: {health} · progress `{bar}`").format(
            health=t.gettext(HEALTHS[project.health]),
            bar=progress_bar(t, project_fraction(project)),
        )
        if project.blockers:
            latest += "\n" + t.gettext("⚠️ *Blockers*: {text}").format(text=project.blockers)
        blocks.append(section(latest))
    if card.readings:
        blocks.append(
            section(
                t.gettext("*KPIs*")
                + "\n"
                + "\n".join(kpi_line(t, reading) for reading in card.readings)
            )
        )
    if card.lines:
        live = sum(1 for line in card.lines if line.status in ("live", "handed_off"))
        title = t.gettext("*Roll-out*: {live} of {total} live").format(
            live=t.number(live), total=t.number(len(card.lines))
        )
        blocks.append(
            section(title + "\n" + "\n".join(rollout_line(t, line) for line in card.lines))
        )
    if card.milestones:
        blocks.append(
            section(
                t.gettext("*Next milestones*")
                + "\n"
                + "\n".join(milestone_line(t, m) for m in card.milestones)
            )
        )
    if card.history:
        blocks.append(context("\n".join(history_line(t, event) for event in card.history)))
    if with_buttons and (buttons := steering_buttons(t, project, may_steer=may_steer)):
        blocks.append(actions(*buttons))
    return blocks


def project_list(t: Translator, page: ProjectPage, *, offset: int) -> tuple[str, Blocks]:
    """The workspace's ongoing projects (active, then paused), a page at a time, each with an
    Open button."""
    projects, total = page.projects, page.total
    if not projects:
        text = t.gettext("No active project yet. Start one with `/revops-project new NAME`.")
        return text, [section(text)]
    if page.paused:
        title = t.gettext("Projects: {active} active, {paused} paused").format(
            active=page.active, paused=page.paused
        )
    else:
        title = t.gettext("Active projects ({total})").format(total=t.number(total))
    blocks: Blocks = [header(title)]
    for project in projects:
        line = t.gettext("*{name}* · {phase} · {status} · owner {owner}").format(
            name=project.name,
            phase=t.gettext(PHASES[project.phase]),
            status=f"{HEALTH_EMOJI.get(project.health, '⚪')} "
            + (
                t.gettext(HEALTHS[project.health])
                if project.health and project.status == "active"
                else status_text(t, project)
            ),
            owner=mention(t, project.owner_id),
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(line)),
                accessory=button(
                    t.gettext("Open"), ProjectAction.open, state.ProjectRef(p=project.id)
                ),
            ).to_dict()
        )
    more: list[ButtonElement] = [
        button(t.gettext("New project"), ProjectAction.new, state.ListPage(offset=0), "primary")
    ]
    if offset + len(projects) < total:
        more.append(
            button(
                t.gettext("Next page"),
                ProjectAction.list_page,
                state.ListPage(offset=offset + len(projects)),
            )
        )
    if offset > 0:
        more.append(
            button(t.gettext("First page"), ProjectAction.list_page, state.ListPage(offset=0))
        )
    blocks.append(actions(*more))
    return title, blocks


def announcement(t: Translator, card: ProjectCard) -> tuple[str, Blocks]:
    """A new project, in its channel: who animates it, then its card."""
    project = card.project
    intro = t.gettext("New project *{name}*, animated here by {owner}.").format(
        name=project.name, owner=mention(t, project.owner_id)
    )
    return intro, [section(intro), *project_card(t, card)][:50]


STATUS_POSTS = {
    "pause": N_("⏸ {user} paused *{name}*: {reason}."),
    "resume": N_("▶️ {user} resumed *{name}*: {reason}. Check-ins restart from the next slot."),
    "abandon": N_("⏹ {user} abandoned *{name}*: {reason}."),
}


def status_post(
    t: Translator,
    project: Project,
    *,
    action: str,
    actor_id: str,
    reason: str,
    note: str | None,
) -> tuple[str, Blocks]:
    """A pause, resume or abandon, in the project's channel, with what can be done next."""
    why = reason_label(t, reason)
    if note:
        why += f" ({note})"
    text = t.gettext(STATUS_POSTS[action]).format(
        user=mention(t, actor_id), name=project.name, reason=why
    )
    blocks = notice(text)
    if buttons := steering_buttons(t, project):
        blocks.append(actions(*buttons))
    return text, blocks


# ---------------------------------------------------------------- check-ins


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


def notice(text: str) -> Blocks:
    return [section(text)]
