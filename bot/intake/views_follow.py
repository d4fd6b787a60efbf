"""Block Kit of a request's news as its watchers read it (people who follow a request they
did not file): the same news as its requester's, in words addressed to a follower ("it is
accepted", not "your request is accepted"), after a first line naming the request and who
filed it, and without the requester's own buttons (answer, withdraw, did this solve it?).

Data in, (text, blocks) out: no database, no network.
"""

from __future__ import annotations

from datetime import date

from bot.errors import N_
from bot.i18n import Translator
from bot.intake.models import IntakeRequest
from bot.intake.views_card import NOTE_SHOWN, TITLE_SHOWN, Message, context, section
from bot.intake.views_requester import EtaWords, eta_message, outcome_to_requester
from bot.intake.views_text import day, mention, quote, ref, safe
from bot.sections import Block


def about(t: Translator, request: IntakeRequest) -> str:
    return t.gettext("News of {ref} “{title}”, which you follow (filed by {user}):").format(
        ref=ref(request.number),
        title=safe(request.title, TITLE_SHOWN),
        user=mention(t, request.requester_id),
    )


def for_follower(
    t: Translator, request: IntakeRequest, *, text: str, blocks: list[Block]
) -> Message:
    """Any other news of the requester's, as a watcher gets it: after the line naming the
    request, and without the requester's own buttons."""
    first = about(t, request)
    kept = [block for block in blocks if block.get("type") != "actions"]
    return f"{first} {text}", [context(first), *kept]


def _news(t: Translator, request: IntakeRequest, text: str, blocks: list[Block]) -> Message:
    first = about(t, request)
    return f"{first} {text}", [context(first), *blocks]


# The ETA's news in a watcher's words (views_requester.eta_message says when each is told).
FOLLOWER_ETA_WORDS = EtaWords(
    first=N_("It is expected by {date}."),
    earlier=N_("Good news: it is now expected by {date} (was {previous})."),
    passed=N_("It was expected by {previous} and is not done yet: it is now expected by {date}."),
    moved=N_("Its ETA moved to {date} (was {previous})."),
    more_important=N_("It moves to {date} (was {previous}): more important work came first."),
    order=N_(
        "The team orders requests by business impact, who benefits and age: it moves "
        "up every working day it waits."
    ),
)


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
    """views_requester.eta_news for a watcher."""
    text, blocks = eta_message(
        t,
        FOLLOWER_ETA_WORDS,
        reason=reason,
        previous=previous,
        eta=eta,
        ahead=ahead,
        rollouts_ahead=rollouts_ahead,
    )
    return _news(t, request, text, blocks)


def accepted(t: Translator, request: IntakeRequest, *, eta: date | None) -> Message:
    if eta is None:
        text = t.gettext(
            "It is accepted; {user} will handle it. The team will give a date as soon as its "
            "run capacity is set."
        )
    else:
        text = t.gettext("It is accepted; {user} will handle it. Expected by {date}.")
    text = text.format(user=mention(t, request.assignee_id), date=day(t, eta))
    return _news(t, request, text, [section(text)])


def done(t: Translator, request: IntakeRequest, *, note: str | None) -> Message:
    """Done: the team's words, and no "did this solve it?" (its requester answers that)."""
    text = t.gettext("It is done.")
    body = text + ("\n" + quote(note, NOTE_SHOWN) if note else "")
    return _news(t, request, text, [section(body)])


def question(t: Translator, request: IntakeRequest, *, asker_id: str, asked: str) -> Message:
    text = t.gettext("{user} asked its requester:").format(user=mention(t, asker_id))
    body = text + ("\n" + quote(asked, NOTE_SHOWN) if asked else "")
    return _news(t, request, text, [section(body)])


def outcome(
    t: Translator,
    request: IntakeRequest,
    *,
    headline_text: str,
    note: str | None,
    doc_url: str | None = None,
) -> Message:
    """A move's headline for followers (the flow's `follower_headline`), the team's words:
    the requester's message, under the line that says which request it is."""
    text, blocks = outcome_to_requester(
        t, request, headline_text=headline_text, note=note, doc_url=doc_url
    )
    return _news(t, request, text, blocks)
