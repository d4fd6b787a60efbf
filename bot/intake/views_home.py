"""Block Kit of intake in App Home (my requests, those I follow, the queue, the settings entry),
the run report, digest and gazette. The settings modal itself is in views_settings.py.

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
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Translator
from bot.intake.ids import Action
from bot.intake.models import IntakeRequest, IntakeSettings, Status
from bot.intake.queue import QueuePageData
from bot.intake.report import RunReport
from bot.intake.service import requester_may_withdraw
from bot.intake.state import QueuePageRef, RequestRef, dump
from bot.intake.views_card import team_actions
from bot.intake.views_text import (
    BENEFICIARY_LABELS,
    IMPACT_LABELS,
    STATUS_LABELS,
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
        t.ngettext(
            "Median time to done: *{days} day*",
            "Median time to done: *{days} days*",
            _plural_n(report.median_done_days),
        ).format(days=number_or_dash(report.median_done_days)),
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


def _plural_n(value: float | None) -> int:
    """gettext's plural rules count whole things: a whole value is its own count; a fraction
    ("1.5 days") or no value ("—") reads as several."""
    if value is not None and float(value).is_integer():
        return int(value)
    return 2
