"""Block Kit of intake's scheduled messages: SLA nudges, escalations, reminders, auto-closes.

Data in, (text, blocks) out: no database, no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Translator
from bot.intake.ids import Action
from bot.intake.models import IntakeRequest
from bot.intake.service_requester import AUTO_CLOSE_NOTE
from bot.intake.state import RequestRef, dump
from bot.intake.views_card import Message
from bot.intake.views_text import STATUS_LABELS, day, label, mention, ref, safe

LISTED = 15
TITLE_SHOWN = 80


def _section(text: str) -> dict:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000])).to_dict()


def sla_nudge(
    t: Translator,
    overdue: Sequence[IntakeRequest],
    *,
    group_id: str | None,
    today: date,
    age_of: dict[int, int],
) -> Message:
    """The intake channel: requests still without a first response, oldest first."""
    who = f"<!subteam^{group_id}> " if group_id else ""
    text = who + t.count(
        "{count} request has had no first response within the SLA:",
        "{count} requests have had no first response within the SLA:",
        len(overdue),
    )
    lines = [
        t.ngettext(
            "• *{ref}* {title} · filed by {user} · {days} working day ago",
            "• *{ref}* {title} · filed by {user} · {days} working days ago",
            age_of.get(request.id, 0),
        ).format(
            ref=ref(request.number),
            title=safe(request.title, TITLE_SHOWN),
            user=mention(t, request.requester_id),
            days=t.number(age_of.get(request.id, 0)),
        )
        for request in overdue[:LISTED]
    ]
    if len(overdue) > LISTED:
        lines.append(t.count("…and {count} more.", "…and {count} more.", len(overdue) - LISTED))
    hint = t.gettext(
        "Nobody is left without an answer: ask why, answer with a doc, accept or decline."
    )
    blocks = [
        _section(text + "\n" + "\n".join(lines)),
        ContextBlock(elements=[MarkdownTextObject(text=hint)]).to_dict(),
    ]
    return text, blocks


def escalation(
    t: Translator, requests: Sequence[IntakeRequest], *, idle_of: dict[int, int]
) -> Message:
    """The team lead (or the intake channel): the requests untouched for a week, in one message."""
    text = t.count(
        "Escalation: {count} request has not moved for a week of working days:",
        "Escalation: {count} requests have not moved for a week of working days:",
        len(requests),
    )
    lines = [
        t.ngettext(
            "• *{ref}* {title} · {status} · no move for {days} working day · filed by {user}",
            "• *{ref}* {title} · {status} · no move for {days} working days · filed by {user}",
            idle_of.get(request.id, 0),
        ).format(
            ref=ref(request.number),
            title=safe(request.title, TITLE_SHOWN),
            status=label(t, STATUS_LABELS, request.status),
            days=t.number(idle_of.get(request.id, 0)),
            user=mention(t, request.requester_id),
        )
        for request in requests[:LISTED]
    ]
    if len(requests) > LISTED:
        lines.append(t.count("…and {count} more.", "…and {count} more.", len(requests) - LISTED))
    return text, [_section(text + "\n" + "\n".join(lines))]


def ask_why_reminder(
    t: Translator, request: IntakeRequest, *, question: str | None, closes_on: date
) -> Message:
    """The requester: the team still waits on their answer; the request closes on a date."""
    text = t.gettext(
        "Reminder: the RevOps team is waiting on your answer about {ref} “{title}”. Without an "
        "answer it closes on {date}."
    ).format(
        ref=ref(request.number), title=safe(request.title, TITLE_SHOWN), date=day(t, closes_on)
    )
    blocks = [_section(text)]
    if question:
        blocks.append(_section("> " + safe(question, 1500).replace("\n", "\n> ")))
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t.gettext("Answer"),
                    action_id=Action.answer_question,
                    value=dump(RequestRef(request_id=request.id)),
                    style="primary",
                ),
                ButtonElement(
                    text=t.gettext("Withdraw my request"),
                    action_id=Action.withdraw,
                    value=dump(RequestRef(request_id=request.id)),
                ),
            ]
        ).to_dict()
    )
    return text, blocks


def auto_closed(t: Translator, request: IntakeRequest, *, days: int) -> Message:
    """The requester: closed for lack of an answer; filing again is welcome."""
    text = t.ngettext(
        "Your request {ref} “{title}” was closed: no answer for {days} working day. File it "
        "again with `/revops-request` whenever you need it.",
        "Your request {ref} “{title}” was closed: no answer for {days} working days. File it "
        "again with `/revops-request` whenever you need it.",
        days,
    ).format(ref=ref(request.number), title=safe(request.title, TITLE_SHOWN), days=t.number(days))
    return text, [_section(text)]


def auto_closed_note(t: Translator, *, days: int) -> Message:
    text = t.message(AUTO_CLOSE_NOTE, days=days)
    return text, [_section(text)]
