"""Block Kit of intake in App Home, the settings modal, the run report, digest and gazette.

Data in, dict out: no database, no network. The queue section stays under 25 blocks
(PAGE_SIZE requests of two blocks each, plus a header and the page buttons), so that other
domains' sections fit in the Home tab's 100 blocks too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.errors import N_
from bot.i18n import Translator
from bot.intake.configuration import ROLLOUTS_INPUT_MAX
from bot.intake.ids import Action, Block, Callback
from bot.intake.inputs import NUMBER_INPUT_MAX
from bot.intake.models import IntakeRequest, IntakeSettings, Status, WhoMayFile
from bot.intake.queue import QueuePageData
from bot.intake.report import RunReport
from bot.intake.service import requester_may_withdraw
from bot.intake.state import QueuePageRef, RequestRef, dump
from bot.intake.views_card import team_actions
from bot.intake.views_modal import modal, text_input
from bot.intake.views_text import (
    BENEFICIARY_LABELS,
    IMPACT_LABELS,
    STATUS_LABELS,
    cut,
    day,
    label,
    mention,
    ref,
    safe,
)
from bot.sections import Block as BlockDict

TITLE_IN_LIST = 80
WITHDRAW_SHOWN = 5  # an actions block holds 25 elements; five keep the Home tab readable


def _section(text: str, accessory: Any = None, block_id: str | None = None) -> BlockDict:
    return SectionBlock(
        text=MarkdownTextObject(text=text[:3000]), accessory=accessory, block_id=block_id
    ).to_dict()


def _context(text: str) -> BlockDict:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:3000])]).to_dict()


def request_line(t: Translator, request: IntakeRequest, tag: str | None = None) -> str:
    title = safe(request.title, TITLE_IN_LIST)
    status = label(t, STATUS_LABELS, request.status)
    line = f"• *{ref(request.number)}* {title} · {status}"
    if request.eta_told and request.status in (Status.accepted, Status.in_progress):
        line += " · " + t.gettext("ETA {date}").format(date=day(t, request.eta_told))
    if tag:  # what other domains add: its issue in the tracker
        line += f" · {tag}"
    return line


def my_requests(
    t: Translator,
    requests: Sequence[IntakeRequest],
    *,
    more_open: int = 0,
    tags: Mapping[int, str] | None = None,
) -> list[BlockDict]:
    """Everyone: their requests with status, ETA and reference, and a button to file one;
    open requests beyond the list are counted, never dropped silently."""
    new_button = ButtonElement(
        text=t.gettext("New request"), action_id=Action.new_request, style="primary"
    )
    blocks = [_section(t.gettext("*My requests to RevOps*"), accessory=new_button)]
    if not requests:
        blocks.append(_context(t.gettext("Nothing filed yet. `/revops-request` works anywhere.")))
        return blocks
    tags = tags or {}
    blocks.append(
        _section("\n".join(request_line(t, request, tags.get(request.id)) for request in requests))
    )
    if more_open:
        blocks.append(
            _context(
                t.count(
                    "…and {count} more open request, filed after these.",
                    "…and {count} more open requests, filed after these.",
                    more_open,
                )
            )
        )
    withdrawable = [r for r in requests if requester_may_withdraw(r.status)][:WITHDRAW_SHOWN]
    if withdrawable:
        blocks.append(
            ActionsBlock(
                block_id="intake_my_requests",
                elements=[
                    ButtonElement(
                        text=t.gettext("Withdraw {ref}").format(ref=ref(r.number)),
                        action_id=f"{Action.withdraw}_{r.id}",
                        value=dump(RequestRef(request_id=r.id)),
                        confirm=None,
                    )
                    for r in withdrawable
                ],
            ).to_dict()
        )
    return blocks


def followed_requests(t: Translator, requests: Sequence[IntakeRequest]) -> list[BlockDict]:
    """Everyone who follows requests they did not file ("me too"): those requests, with
    status and ETA; nothing when they follow none."""
    if not requests:
        return []
    return [
        _section(t.gettext("*Requests I follow*")),
        _section("\n".join(request_line(t, request) for request in requests)),
    ]


def queue_section(
    t: Translator, data: QueuePageData, tags: Mapping[int, str] | None = None
) -> list[BlockDict]:
    """RevOps: the prioritised queue, one page, with the card's actions on every request;
    `tags` are what other domains add (its issue in the tracker)."""
    tags = tags or {}
    counts = ", ".join(
        f"{label(t, STATUS_LABELS, status)} {t.number(count)}"
        for status, count in sorted(
            data.by_status.items(), key=lambda kv: list(STATUS_LABELS).index(kv[0])
        )
    )
    head = t.count(
        "*Run queue*: {count} open request", "*Run queue*: {count} open requests", data.total
    )
    blocks = [_section(head + (f" ({counts})" if counts else ""))]
    if not data.rows:
        blocks.append(_context(t.gettext("The queue is empty.")))
        return blocks
    for row in data.rows:
        request = row.request
        details = " · ".join(
            [
                t.gettext("Score {score}").format(score=t.number(row.score, digits=1)),
                t.count(
                    "{count} working day old", "{count} working days old", row.age_working_days
                ),
                label(t, IMPACT_LABELS, request.impact),
                t.gettext("For: {who}").format(
                    who=label(t, BENEFICIARY_LABELS, request.beneficiary)
                ),
                label(t, STATUS_LABELS, request.status),
                t.gettext("Assignee: {user}").format(user=mention(t, request.assignee_id)),
                t.gettext("ETA {date}").format(date=day(t, row.eta)),
                *([tags[request.id]] if request.id in tags else []),
            ]
        )
        blocks.append(
            _section(f"*{ref(request.number)}* · {safe(request.title, TITLE_IN_LIST)}\n{details}")
        )
        actions = team_actions(t, request)
        if actions:
            blocks.append(actions)
    if data.pages > 1:
        buttons = []
        if data.page > 0:
            buttons.append(
                ButtonElement(
                    text=t.gettext("Previous"),
                    action_id=f"{Action.queue_page}_previous",
                    value=dump(QueuePageRef(page=data.page - 1)),
                )
            )
        if data.page < data.pages - 1:
            buttons.append(
                ButtonElement(
                    text=t.gettext("Next"),
                    action_id=f"{Action.queue_page}_next",
                    value=dump(QueuePageRef(page=data.page + 1)),
                )
            )
        blocks.append(
            _context(
                t.gettext("Page {page} of {pages}").format(
                    page=t.number(data.page + 1), pages=t.number(data.pages)
                )
            )
        )
        blocks.append(ActionsBlock(block_id="intake_queue_nav", elements=buttons).to_dict())
    return blocks


def report_blocks(t: Translator, report: RunReport, *, title: str) -> list[BlockDict]:
    """The run report: in, closed, deflected, response times, run hours against capacity."""

    def number_or_dash(value: float | None) -> str:
        return "—" if value is None else t.number(value, digits=1)

    lines = [
        t.gettext("Requests in: *{count}*").format(count=t.number(report.requests_in)),
        t.gettext("Closed: *{count}* (delivered: {delivered})").format(
            count=t.number(report.closed), delivered=t.number(report.delivered)
        ),
        t.gettext("Deflected by a doc: *{count}*").format(count=t.number(report.deflected_by_doc)),
        t.gettext("Avoided by following an open request: *{count}*").format(
            count=t.number(report.avoided_by_following)
        ),
        t.gettext("Median time to first response: *{hours} h*").format(
            hours=number_or_dash(report.median_first_response_hours)
        ),
        t.gettext("Median time to done: *{days} days*").format(
            days=number_or_dash(report.median_done_days)
        ),
        t.gettext("Run hours spent: *{spent} h* of {capacity} h capacity").format(
            spent=t.number(report.run_hours_spent, digits=1),
            capacity=t.number(report.capacity_hours),
        ),
    ]
    balance = t.gettext(
        "The rest of the team's week goes to projects: the run should stay within its capacity."
    )
    return [_section(title + "\n" + "\n".join(lines)), _context(balance)]


def settings_entry(t: Translator, settings: IntakeSettings) -> list[BlockDict]:
    """Admins: what intake is set to, and the button to change it."""
    channel = f"<#{settings.intake_channel_id}>" if settings.intake_channel_id else "—"
    group = f"<!subteam^{settings.revops_usergroup_id}>" if settings.revops_usergroup_id else "—"
    text = t.gettext(
        "*Intake settings* (admins)\nChannel: {channel} · RevOps team: {group} · Run capacity: "
        "{capacity} h a week · {sla}"
    ).format(
        channel=channel,
        group=group,
        capacity=t.number(settings.run_capacity_hours),
        sla=t.count(
            "First response within {count} working day",
            "First response within {count} working days",
            settings.first_response_sla_days,
        ),
    )
    button = ButtonElement(text=t.gettext("Intake settings"), action_id=Action.open_settings)
    blocks = [_section(text, accessory=button)]
    if not settings.intake_channel_id:
        blocks.append(
            _context(t.gettext("Requests are not posted anywhere yet: pick an intake channel."))
        )
    return blocks


def settings_modal(
    t: Translator,
    settings: IntakeSettings,
    *,
    usergroups: Sequence[tuple[str, str]],
    holidays: Sequence[str],
    rollouts: Sequence[str],
    zones: Sequence[str] = ("UTC",),
    zone: str = "UTC",
    country: str = "",
    worked_holidays: Sequence[str] = (),
) -> dict[str, Any]:
    """The admins' settings modal; `usergroups` are (id, name) from Slack; `zones` to pick the
    team's time zone from, `zone` the one proposed."""
    groups = [Option(value=gid, label=cut(name, 75)) for gid, name in usergroups[:100]]
    who = [
        Option(value=WhoMayFile.everyone, label=t.gettext("Everyone")),
        Option(value=WhoMayFile.usergroups, label=t.gettext("Only members of user groups")),
    ]
    blocks: list[Any] = [
        InputBlock(
            block_id=Block.channel,
            label=t.gettext("Intake channel"),
            hint=t.gettext("Where requests are posted as cards, and the weekly run report."),
            element=ConversationSelectElement(
                action_id=Block.channel,
                initial_conversation=settings.intake_channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        )
    ]
    if groups:
        blocks.append(
            InputBlock(
                block_id=Block.revops_group,
                label=t.gettext("RevOps team (user group)"),
                optional=True,
                element=StaticSelectElement(
                    action_id=Block.revops_group,
                    options=groups,
                    initial_option=next(
                        (g for g in groups if g.value == settings.revops_usergroup_id), None
                    ),
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id=Block.who_may_file,
            label=t.gettext("Who may file requests"),
            element=RadioButtonsElement(
                action_id=Block.who_may_file,
                options=who,
                initial_option=next((o for o in who if o.value == settings.who_may_file), who[0]),
            ),
        )
    )
    if groups:
        initial = [g for g in groups if g.value in (settings.filer_usergroup_ids or [])]
        blocks.append(
            InputBlock(
                block_id=Block.filer_groups,
                label=t.gettext("User groups that may file"),
                optional=True,
                hint=t.gettext("Managers and leadership: the first filter of mature teams."),
                element=StaticMultiSelectElement(
                    action_id=Block.filer_groups,
                    options=groups,
                    initial_options=initial or None,
                ),
            )
        )
    else:
        blocks.append(_context(t.gettext("This workspace has no user groups: everyone may file.")))
    zone_options = [Option(value=name, label=cut(name, 75)) for name in zones[:100]]
    blocks += [
        InputBlock(
            block_id=Block.tz,
            label=t.gettext("Team time zone"),
            hint=t.gettext(
                "Nudges and the run report go out at 9:00 on working days in this zone; DMs "
                "follow each person's own Slack zone."
            ),
            element=StaticSelectElement(
                action_id=Block.tz,
                options=zone_options,
                initial_option=next((o for o in zone_options if o.value == zone), None),
            ),
        ),
        InputBlock(
            block_id=Block.team_lead,
            label=t.gettext("Team lead (escalations)"),
            optional=True,
            element=UserSelectElement(
                action_id=Block.team_lead, initial_user=settings.team_lead_id
            ),
        ),
        text_input(
            Block.capacity,
            t.gettext("Weekly run capacity (hours)"),
            initial=str(settings.run_capacity_hours),
            max_length=NUMBER_INPUT_MAX,
            hint=t.gettext("Hours a week for requests; the rest of the week is for projects."),
        ),
        text_input(
            Block.sla,
            t.gettext("First response within (working days)"),
            initial=str(settings.first_response_sla_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.reminder,
            t.gettext("Remind a silent requester after (working days)"),
            initial=str(settings.ask_why_reminder_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.auto_close,
            t.gettext("Close a silent request after (working days)"),
            initial=str(settings.ask_why_close_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.holidays,
            t.gettext("Holidays"),
            initial="\n".join(holidays),
            multiline=True,
            optional=True,
            placeholder="2025-12-25",
            hint=t.gettext("One date per line; skipped by ETAs, nudges and reminders."),
        ),
        text_input(
            Block.country,
            t.gettext("Country of the team's public holidays"),
            initial=country,
            optional=True,
            placeholder="FR",
            hint=t.gettext(
                "Two letters (FR, US, GB…): its public holidays are skipped like the dates above."
            ),
            max_length=2,
        ),
        text_input(
            Block.worked_holidays,
            t.gettext("Public holidays the team works"),
            initial="\n".join(worked_holidays),
            multiline=True,
            optional=True,
            placeholder="2026-05-08",
            hint=t.gettext("One date per line: these public holidays count as working days."),
        ),
        text_input(
            Block.rollouts,
            t.gettext("Roll-outs in progress"),
            initial="\n".join(rollouts),
            multiline=True,
            optional=True,
            hint=t.gettext("One per line. Their requests come first; remove a line to end one."),
            max_length=ROLLOUTS_INPUT_MAX,
        ),
    ]
    return modal(
        t,
        title=t.gettext("Intake settings"),
        callback_id=Callback.settings,
        submit=t.gettext("Save"),
        blocks=blocks,
    )


def digest_section(t: Translator, requests: Sequence[IntakeRequest]) -> list[BlockDict]:
    """The weekly digest: the reader's open requests with status and ETA ([] when none)."""
    if not requests:
        return []
    lines = "\n".join(request_line(t, request) for request in requests)
    return [_section(t.gettext("*Your requests to RevOps*") + "\n" + lines)]


def gazette_section(t: Translator, *, delivered: int, deflected: int) -> list[BlockDict]:
    """The gazette: the week's run in one line ([] when nothing happened)."""
    if not delivered and not deflected:
        return []
    text = t.gettext(
        "*The run this week*: {delivered} requests delivered, {deflected} answered by an "
        "existing doc."
    ).format(delivered=delivered, deflected=deflected)
    return [_section(text)]


LOADING = N_("Loading…")
