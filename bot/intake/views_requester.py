"""Block Kit of the messages a requester gets about their request: the receipt, the team's
question, the outcome of a move, the ETA told or moved (with what comes first), "did this
solve it?" and its answer, a merge into another request.

Data in, (text, blocks) out: no database, no network. User text is cut and escaped on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import ActionsBlock

from bot.errors import N_
from bot.i18n import Translator
from bot.intake.etas import Reason
from bot.intake.ids import Action
from bot.intake.models import IntakeRequest
from bot.intake.views_card import (
    NOTE_SHOWN,
    TITLE_SHOWN,
    Message,
    context,
    request_button,
    section,
)
from bot.intake.views_text import IMPACT_AHEAD, day, link, mention, quote, ref, safe


def receipt(
    t: Translator,
    request: IntakeRequest,
    *,
    due: date,
    channel_id: str | None,
    eta: date | None = None,
) -> Message:
    """What the requester is promised: the first answer by `due`, the ETA (or when it will come),
    where to follow it; and, before the team chose its intake channel, that it will see the
    request then."""
    values = {
        "ref": ref(request.number),
        "title": safe(request.title, TITLE_SHOWN),
        "date": day(t, due),
        "eta": day(t, eta),
    }
    text = t.gettext(
        "We got your request {ref} “{title}”. The RevOps team will answer by {date} at the latest."
    ).format(**values)
    if eta is not None:
        when = t.gettext("It is expected by {eta}.").format(**values)
    else:
        when = t.gettext(
            "Your ETA will follow once the team accepts it, at the latest by {date}."
        ).format(**values)
    if channel_id:
        where = t.gettext("Follow it in <#{channel}> or in the bot's Home tab.").format(
            channel=channel_id
        )
    else:
        where = t.gettext(
            "The RevOps team is still setting the bot up: your request is stored, and it "
            "reaches their intake channel as soon as they choose one. Follow it in the bot's "
            "Home tab."
        )
    return f"{text} {when}", [section(f"{text}\n{when}"), context(where)]


def question_to_requester(
    t: Translator, request: IntakeRequest, *, asker_id: str, question: str
) -> Message:
    text = t.gettext("{user} asks about your request {ref} “{title}”:").format(
        user=mention(t, asker_id), ref=ref(request.number), title=safe(request.title, TITLE_SHOWN)
    )
    blocks = [
        section(text + "\n" + quote(question, NOTE_SHOWN)),
        context(t.gettext("Answer here or in the request's thread in the intake channel.")),
        ActionsBlock(
            elements=[
                request_button(
                    t, N_("Answer"), Action.answer_question, request.id, style="primary"
                ),
                request_button(t, N_("Withdraw my request"), Action.withdraw, request.id),
            ]
        ).to_dict(),
    ]
    return text, blocks


def outcome_to_requester(
    t: Translator,
    request: IntakeRequest,
    *,
    headline_text: str,
    note: str | None,
    doc_url: str | None = None,
) -> Message:
    """A closing or progress message: what happened to the request, and the team's words."""
    text = headline_text.format(ref=ref(request.number), title=safe(request.title, TITLE_SHOWN))
    body = text
    if doc_url:
        body += "\n" + link(doc_url, doc_url[:200])
    if note:
        body += "\n" + quote(note, NOTE_SHOWN)
    return text, [section(body)]


def accepted_to_requester(t: Translator, request: IntakeRequest, *, eta: date | None) -> Message:
    if eta is None:
        text = t.gettext(
            "Your request {ref} “{title}” is accepted; {user} will handle it. The team will "
            "give you a date as soon as its run capacity is set."
        )
    else:
        text = t.gettext(
            "Your request {ref} “{title}” is accepted; {user} will handle it. Expected by {date}."
        )
    text = text.format(
        ref=ref(request.number),
        title=safe(request.title, TITLE_SHOWN),
        user=mention(t, request.assignee_id),
        date=day(t, eta),
    )
    return text, [section(text)]


def done_to_requester(t: Translator, request: IntakeRequest, *, note: str | None) -> Message:
    text = t.gettext("Your request {ref} “{title}” is done.").format(
        ref=ref(request.number), title=safe(request.title, TITLE_SHOWN)
    )
    blocks = [
        section(text + ("\n" + quote(note, NOTE_SHOWN) if note else "")),
        section(t.gettext("*Did this solve it?*")),
        ActionsBlock(
            block_id=f"intake_solved_{request.id}",
            elements=[
                request_button(
                    t, N_("Yes, solved"), Action.solved_yes, request.id, style="primary"
                ),
                request_button(t, N_("No, reopen it"), Action.solved_no, request.id),
            ],
        ).to_dict(),
    ]
    return text, blocks


def solved_answer(t: Translator, request: IntakeRequest, *, solved: bool) -> Message:
    if solved:
        text = t.gettext("Your request {ref} is done and solved. Thanks for telling us!")
    else:
        text = t.gettext(
            "Your request {ref} is reopened: the team is on it again and will send you a new date."
        )
    text = text.format(ref=ref(request.number))
    return text, [section(text)]


def ahead_words(t: Translator, ahead: dict[str, int], rollouts: int) -> str:
    parts = [
        t.message(IMPACT_AHEAD[impact], count=count)
        for impact, count in sorted(ahead.items(), key=lambda kv: list(IMPACT_AHEAD).index(kv[0]))
        if count and impact in IMPACT_AHEAD
    ]
    if rollouts:
        parts.append(
            t.ngettext(
                "{count} of them for a tool roll-out (to protect its adoption)",
                "{count} of them for tool roll-outs (to protect their adoption)",
                rollouts,
            ).format(count=t.number(rollouts))
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class EtaWords:
    """An ETA's news in one reader's words: a template for each reason it is told (with {date}
    and {previous}, and whatever names the reader's words use), and the line that says how the
    team orders requests, under "what comes first"."""

    first: str
    earlier: str
    passed: str
    moved: str
    more_important: str
    order: str


# The requester's words ({ref} and {title} name their request).
REQUESTER_ETA_WORDS = EtaWords(
    first=N_("Your request {ref} “{title}” is expected by {date}."),
    earlier=N_(
        "Good news: your request {ref} “{title}” is now expected by {date} (was {previous})."
    ),
    passed=N_(
        "Your request {ref} “{title}” was expected by {previous} and is not done yet: it is "
        "now expected by {date}."
    ),
    moved=N_("The ETA of your request {ref} “{title}” moved to {date} (was {previous})."),
    more_important=N_(
        "Your request {ref} “{title}” moves to {date} (was {previous}): more important work came "
        "first."
    ),
    order=N_(
        "The team orders requests by business impact, who benefits and age: yours moves "
        "up every working day it waits."
    ),
)


def eta_message(
    t: Translator,
    words: EtaWords,
    *,
    reason: str,
    previous: date | None,
    eta: date,
    ahead: dict[str, int],
    rollouts_ahead: int,
    **names: str,
) -> Message:
    """An ETA told or moved (etas.py decides who hears what), in `words` filled with `names`.
    "What comes first" only when more important requests came ahead, in impact classes only."""
    values = {**names, "date": day(t, eta), "previous": day(t, previous)}
    told: dict[str, str] = {
        Reason.earlier: words.earlier,
        Reason.passed: words.passed,
        Reason.moved: words.moved,
    }
    if previous is None or reason == Reason.first:
        text = t.gettext(words.first).format(**values)
        return text, [section(text)]
    if reason in told:
        text = t.gettext(told[reason]).format(**values)
        return text, [section(text)]
    text = t.gettext(words.more_important).format(**values)
    why = ahead_words(t, ahead, rollouts_ahead)
    blocks = [section(text)]
    if why:
        blocks.append(section(t.gettext("*What comes first:* {reasons}.").format(reasons=why)))
        text += " " + t.gettext("What comes first: {reasons}.").format(reasons=why)
    blocks.append(context(t.gettext(words.order)))
    return text, blocks


def eta_news(
    t: Translator,
    request: IntakeRequest,
    *,
    reason: str,
    previous: date | None,
    eta: date,
    ahead: dict[str, int],
    rollouts_ahead: int,
) -> Message:
    """An ETA told or moved, in the requester's words (eta_message)."""
    return eta_message(
        t,
        REQUESTER_ETA_WORDS,
        reason=reason,
        previous=previous,
        eta=eta,
        ahead=ahead,
        rollouts_ahead=rollouts_ahead,
        ref=ref(request.number),
        title=safe(request.title, TITLE_SHOWN),
    )


def merged_to_requester(t: Translator, request: IntakeRequest, *, into_number: int) -> Message:
    text = t.gettext(
        "Your request {ref} “{title}” asks for what {into} already asks: the RevOps team merged "
        "it into {into}. You now follow {into} and get its news, as its requester does."
    ).format(ref=ref(request.number), title=safe(request.title, TITLE_SHOWN), into=ref(into_number))
    return text, [section(text)]
