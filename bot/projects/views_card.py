"""Block Kit of the project card: the card itself, the list of projects, the announcement of
a new project, pause/resume/abandon posts, and the steering buttons they carry. Data in, dict
out: no database, no network.

Language rule (views.py): messages posted in a channel (the announcement, status posts) use
the workspace's default language; the card and list shown to one reader use their own locale.
Callers pass the matching Translator.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock

from bot.errors import N_
from bot.i18n import Translator
from bot.projects import state
from bot.projects.ids import ProjectAction
from bot.projects.models import Project
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
    history_line,
    kpi_line,
    mention,
    milestone_line,
    notice,
    progress_bar,
    project_fraction,
    reason_label,
    rollout_line,
    section,
    status_text,
)


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
