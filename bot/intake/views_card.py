"""Block Kit of the request card (intake channel), of the notes in its thread and of a doc
shared to a channel; the blocks every intake message is made of (section, context, a button
on a request). The requester's DMs are in views_requester.py, a watcher's in views_follow.py.

Data in, (text, blocks) out: no database, no network. User text is cut and escaped on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.errors import N_
from bot.i18n import Translator
from bot.intake.ids import Action
from bot.intake.models import IntakeRequest, Status
from bot.intake.service import OPEN_STATUSES, team_moves
from bot.intake.state import MergeRef, RequestRef, dump
from bot.intake.views_text import (
    BENEFICIARY_LABELS,
    CATEGORY_LABELS,
    IMPACT_LABELS,
    STATUS_LABELS,
    channel_day,
    cut,
    hours,
    label,
    link,
    mention,
    quote,
    ref,
    safe,
)
from bot.sections import Block

Message = tuple[str, list[Block]]
TITLE_SHOWN = 150
NEED_SHOWN = 600
NOTE_SHOWN = 1500


def context(*lines: str) -> Block:
    return ContextBlock(
        elements=[MarkdownTextObject(text=line) for line in lines if line]
    ).to_dict()


def section(text: str) -> Block:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000])).to_dict()


def request_button(
    t: Translator,
    text: str,
    action: Action,
    request_id: int,
    *,
    style: str | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=t.gettext(text),
        action_id=action,
        value=dump(RequestRef(request_id=request_id)),
        style=style,
    )


def headline(request: IntakeRequest) -> str:
    return f"*{ref(request.number)}* · *{safe(request.title, TITLE_SHOWN)}*"


# The button of each team move (service.team_moves decides which moves a status allows).
MOVE_BUTTONS: dict[str, tuple[str, Action]] = {
    Status.accepted: (N_("Accept"), Action.accept),
    Status.in_progress: (N_("Start work"), Action.start),
    Status.waiting: (N_("Ask why"), Action.ask_why),
    Status.answered_doc: (N_("Answer with a doc"), Action.answer_doc),
    Status.self_service: (N_("Suggest self-service"), Action.self_service),
    Status.done: (N_("Mark done"), Action.done),
    Status.declined: (N_("Decline"), Action.decline),
}


def team_actions(t: Translator, request: IntakeRequest) -> Block | None:
    """The team's buttons for the request's status (the same on the card and in App Home):
    the state machine's moves, the first one primary, declining in red."""
    moves = team_moves(request.status)
    buttons = [
        request_button(
            t,
            *MOVE_BUTTONS[target],
            request.id,
            style="danger" if target == Status.declined else "primary" if index == 0 else None,
        )
        for index, target in enumerate(moves)
    ]
    if not buttons:
        return None
    return ActionsBlock(block_id=f"intake_actions_{request.id}", elements=buttons).to_dict()


def facts(t: Translator, request: IntakeRequest, *, rollout_name: str | None) -> str:
    parts = [
        t.gettext("Filed by {user}").format(user=mention(t, request.requester_id)),
        t.gettext("Impact: {impact}").format(impact=label(t, IMPACT_LABELS, request.impact)),
        t.gettext("For: {who}").format(who=label(t, BENEFICIARY_LABELS, request.beneficiary)),
        label(t, CATEGORY_LABELS, request.category),
    ]
    if request.wished_date:
        parts.append(
            t.gettext("Wished for: {date}").format(date=channel_day(t, request.wished_date))
        )
    if rollout_name:
        parts.append(t.gettext("Roll-out: {name}").format(name=safe(rollout_name, 100)))
    return " · ".join(parts)


def status_line(t: Translator, request: IntakeRequest) -> str:
    parts = [t.gettext("Status: *{status}*").format(status=label(t, STATUS_LABELS, request.status))]
    if request.assignee_id:
        parts.append(t.gettext("Assignee: {user}").format(user=mention(t, request.assignee_id)))
    if request.estimate_hours:
        parts.append(t.gettext("Estimate: {hours}").format(hours=hours(t, request.estimate_hours)))
    if request.eta_told and request.status in (Status.accepted, Status.in_progress):
        parts.append(t.gettext("ETA: {date}").format(date=channel_day(t, request.eta_told)))
    return " · ".join(parts)


def watchers_line(t: Translator, request: IntakeRequest) -> str:
    if not request.watcher_count:
        return ""
    return t.ngettext(
        "Me too: {count} more person follows it",
        "Me too: {count} more people follow it",
        request.watcher_count,
    ).format(count=request.watcher_count)


MERGEABLE = (Status.new, Status.waiting)


def related_blocks(
    t: Translator, request: IntakeRequest, related: IntakeRequest | None
) -> list[Block]:
    """ "Merged into REQ-9", or "possible duplicate of REQ-9" with the Merge button while both
    are open and this one is new or waiting (watching.merge's rule)."""
    if related is None:
        return []
    if request.status == Status.merged:
        return [context(t.gettext("Merged into {ref}.").format(ref=ref(related.number)))]
    if request.status not in MERGEABLE or related.status not in OPEN_STATUSES:
        return []
    text = t.gettext("Possible duplicate of *{ref}* “{title}” ({status}).").format(
        ref=ref(related.number),
        title=safe(related.title, TITLE_SHOWN),
        status=label(t, STATUS_LABELS, related.status),
    )
    button = ButtonElement(
        text=t.gettext("Merge into {ref}").format(ref=ref(related.number)),
        action_id=Action.merge,
        value=dump(MergeRef(request_id=request.id, into_id=related.id)),
    )
    return [
        SectionBlock(
            block_id=f"intake_duplicate_{request.id}",
            text=MarkdownTextObject(text=text),
            accessory=button,
        ).to_dict()
    ]


def card(
    t: Translator,
    request: IntakeRequest,
    *,
    rollout_name: str | None,
    related: IntakeRequest | None = None,
    extra_lines: Sequence[str] = (),
    extra_buttons: Sequence[dict[str, Any]] = (),
) -> Message:
    """The request as the team sees it in the intake channel, with the actions its status
    allows; `related` is the request it was merged into, or may duplicate; `extra_lines`
    what other domains add (its issue in the tracker)."""
    links = " · ".join(
        part
        for part in (
            link(request.link, t.gettext("Link")),
            link(request.source_permalink, t.gettext("Original message")),
        )
        if part
    )
    blocks = [
        section(headline(request) + "\n" + quote(request.need, NEED_SHOWN)),
        context(facts(t, request, rollout_name=rollout_name)),
        context(
            status_line(t, request)
            + "".join(f" · {part}" for part in (watchers_line(t, request), links) if part)
        ),
        *related_blocks(t, request, related),
        *(context(line) for line in extra_lines),
    ]
    actions = team_actions(t, request)
    if actions:
        blocks.append(actions)
    if extra_buttons:
        blocks.append(
            {"type": "actions", "block_id": "card_extras", "elements": list(extra_buttons)}
        )
    text = t.gettext("{ref}: {title} ({status})").format(
        ref=ref(request.number),
        title=safe(request.title, TITLE_SHOWN),
        status=label(t, STATUS_LABELS, request.status),
    )
    return text, blocks


# ---------------------------------------------------------------- in the thread and channels


def note_in_thread(
    t: Translator,
    *,
    author_id: str | None,
    what: str,
    note: str | None,
    doc_url: str | None = None,
) -> Message:
    """A line in the request's thread: who did what, and what they wrote.

    `what` is a translated template ({user}, and {doc} when a doc answered); user text and links
    go in as parameters, never into the template (a URL may hold braces).
    """
    doc = link(doc_url, cut(doc_url, 200)) if doc_url else ""
    text = what.format(user=mention(t, author_id), doc=doc)
    body = text + ("\n" + quote(note, NOTE_SHOWN) if note else "")
    return text, [section(body)]


def shared_doc(t: Translator, *, sharer_id: str, url: str, summary: str, message: str) -> Message:
    """A doc shared to a channel so the next person does not have to ask."""
    text = t.gettext("{user} shares a doc that already answers a common question:").format(
        user=mention(t, sharer_id)
    )
    body = text + "\n" + link(url, url[:200]) + "\n" + quote(summary, 500)
    blocks = [section(body)]
    if message:
        blocks.insert(0, section(safe(message, 1000)))
    return text, blocks
