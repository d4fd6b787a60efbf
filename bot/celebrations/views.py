"""Block Kit of celebrations: the win modal, the win card, Home. Data in, dict out.

Settings are in `views_settings.py`; gazette, top performers and digest blocks in
`report_views.py`. Text is cut on purpose to
stay within Slack's limits (3,000 characters of section text, 24 of a modal title).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import people
from bot.celebrations.ids import (
    WinAction,
    WinBlock,
    WinCallback,
)
from bot.celebrations.models import WinKind, WinSource
from bot.celebrations.prefill import WinPrefill
from bot.celebrations.ranking import WinFact, Winner
from bot.celebrations.rules import WIN_TEXT_LIMITS
from bot.celebrations.schemas import WinDraft
from bot.errors import N_
from bot.i18n import Translator
from bot.sections import Block

# How an erased member (their id now a pseudonym) is named wherever people are named.
SECTION_TEXT_LIMIT = 2900  # Slack allows 3,000; keep room for the ellipsis
KIND_LABELS: dict[str, str] = {
    WinKind.deal_signed: N_("Deal signed"),
    WinKind.expansion: N_("Expansion"),
    WinKind.project_first_result: N_("First result in a new team or country"),
    WinKind.customer_saved: N_("Customer saved"),
    WinKind.support_case: N_("Support case of the week"),
    WinKind.other: N_("Other win"),
}
KIND_EMOJI: dict[str, str] = {
    WinKind.deal_signed: ":handshake:",
    WinKind.expansion: ":chart_with_upwards_trend:",
    WinKind.project_first_result: ":earth_africa:",
    WinKind.customer_saved: ":lifebuoy:",
    WinKind.support_case: ":star:",
    WinKind.other: ":sparkles:",
}


# ---------------------------------------------------------------- text helpers


def cut(text: str, limit: int = SECTION_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack mrkdwn control characters in user text (a name, a title)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(amount: Decimal, currency: str, t: Translator) -> str:
    return format_currency(amount, currency, locale=t.language)


def number(value: Decimal | int, t: Translator) -> str:
    return format_decimal(value, locale=t.language)


def amounts(totals: dict[str, Decimal], t: Translator) -> str:
    return " · ".join(money(amount, currency, t) for currency, amount in totals.items())


def person(t: Translator, user_id: str) -> str:
    """A Slack user as a mention; an erased member as "a former member" (bot/people.py)."""
    return people.person(t, user_id)


def who(t: Translator, winners: tuple[Winner, ...] | list[Winner]) -> str:
    """Slack users as mentions (erased ones as "a former member"), people Slack does not
    know as their name in plain text: the one way every card, report and digest names
    winners."""
    return ", ".join(person(t, w.user_id) if w.user_id else escape(w.name) for w in winners)


def kind_label(t: Translator, kind: str) -> str:
    return t.gettext(KIND_LABELS.get(kind, KIND_LABELS[WinKind.other]))


def title_of(t: Translator, title: str) -> str:
    """A win's title; a HubSpot deal whose details never arrived has none."""
    return title.strip() or t.gettext("A new deal")


def win_line(t: Translator, win: WinFact) -> str:
    """• *Title* — €12,500 — @alice, @bruno"""
    parts = [f"*{escape(title_of(t, win.title))}*"]
    if win.amount is not None and win.currency:
        parts.append(money(win.amount, win.currency, t))
    if win.winners:
        parts.append(who(t, win.winners))
    return "• " + " — ".join(parts)


# ---------------------------------------------------------------- the win modal


def win_modal(
    t: Translator, *, draft: WinDraft, prefill: WinPrefill, currency: str | None
) -> dict[str, Any]:
    kinds = [Option(value=kind.value, text=kind_label(t, kind)) for kind in WinKind]
    initial_kind = next((o for o in kinds if o.value == prefill.kind), kinds[0])
    return View(
        type="modal",
        callback_id=WinCallback.modal,
        title=t.gettext("Celebrate a win")[:24],
        submit=t.gettext("Celebrate")[:24],
        close=t.gettext("Cancel")[:24],
        private_metadata=draft.dump(),
        blocks=[
            InputBlock(
                block_id=WinBlock.winners,
                label=t.gettext("Who won?"),
                element=UserMultiSelectElement(
                    action_id=WinAction.winners,
                    initial_users=list(prefill.winners)[:20] or None,
                    max_selected_items=20,
                ),
            ),
            InputBlock(
                block_id=WinBlock.kind,
                label=t.gettext("Kind of win"),
                element=StaticSelectElement(
                    action_id=WinAction.kind, options=kinds, initial_option=initial_kind
                ),
            ),
            InputBlock(
                block_id=WinBlock.win_title,
                label=t.gettext("Title"),
                element=PlainTextInputElement(
                    action_id=WinAction.win_title,
                    initial_value=prefill.title[: WIN_TEXT_LIMITS["title"]] or None,
                    max_length=WIN_TEXT_LIMITS["title"],
                    placeholder=t.gettext("e.g. ACME signs for 3 years"),
                ),
            ),
            InputBlock(
                block_id=WinBlock.amount,
                label=t.gettext("Amount"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=WinAction.amount,
                    max_length=WIN_TEXT_LIMITS["amount"],
                    placeholder="12,500",
                ),
            ),
            InputBlock(
                block_id=WinBlock.currency,
                label=t.gettext("Currency"),
                optional=True,
                hint=t.gettext("ISO 4217 code, e.g. EUR, USD, GBP"),
                element=PlainTextInputElement(
                    action_id=WinAction.currency,
                    initial_value=currency or None,
                    max_length=WIN_TEXT_LIMITS["currency"],
                ),
            ),
            InputBlock(
                block_id=WinBlock.message,
                label=t.gettext("A word for the team"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=WinAction.message,
                    multiline=True,
                    max_length=WIN_TEXT_LIMITS["message"],
                    initial_value=prefill.message[: WIN_TEXT_LIMITS["message"]] or None,
                ),
            ),
        ],
    ).to_dict()


# ---------------------------------------------------------------- the win card


@dataclass(frozen=True)
class WinCard:
    title: str
    kind: str
    amount: Decimal | None
    currency: str | None
    message: str
    winners: tuple[Winner, ...]
    source: str
    created_by: str | None


def win_card(t: Translator, card: WinCard) -> tuple[str, list[Block]]:
    """The celebration post: title, kind and amount, the winners mentioned, the message."""
    emoji = KIND_EMOJI.get(card.kind, ":tada:")
    title = title_of(t, card.title)
    headline = f":tada: *{escape(title)}*\n{emoji} {kind_label(t, card.kind)}"
    if card.amount is not None and card.currency:
        headline += f" · *{money(card.amount, card.currency, t)}*"
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=cut(headline)))]
    winners = who(t, card.winners)
    if winners:
        cheer = t.gettext("Congratulations {winners}!").format(winners=winners)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(cheer))))
    if card.message.strip():
        quoted = "\n".join(f"> {escape(line)}" for line in card.message.strip().splitlines())
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(quoted))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_origin(t, card))]))
    # The notification text is mrkdwn too: a title like "<!channel>" must not ping anyone.
    text = f":tada: {escape(title)}"
    if winners:
        text += " — " + t.gettext("Congratulations {winners}!").format(winners=winners)
    return cut(text, 3000), [block.to_dict() for block in blocks]


def _origin(t: Translator, card: WinCard) -> str:
    if card.source == WinSource.hubspot:
        return t.gettext("Closed-won in HubSpot")
    if card.source == WinSource.salesforce:
        return t.gettext("Closed-won in Salesforce")
    if card.source == WinSource.webhook:
        return t.gettext("Reported by an integration")
    if card.created_by:
        return t.gettext("Celebrated by {user} with /revops-win").format(
            user=person(t, card.created_by)
        )
    return t.gettext("Celebrated with /revops-win")


def home_recent_wins(t: Translator, wins: list[WinFact]) -> list[Block]:
    """Everyone: the latest wins and a button to celebrate one."""
    title = t.gettext("*Recent wins*")
    body = "\n".join(win_line(t, win) for win in wins) or t.gettext(
        "No win celebrated yet: be the first!"
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=cut(f"{title}\n{body}"))).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t.gettext("Celebrate a win"), action_id=WinAction.new_win, style="primary"
                )
            ]
        ).to_dict(),
    ]


# ---------------------------------------------------------------- notices


def already_celebrated(t: Translator) -> tuple[str, str]:
    return t.gettext("Celebrate a win")[:24], t.gettext(
        "This win was already celebrated: it is posted once."
    )


WAITS_FOR_CHANNEL = N_(
    "Your win is saved. It will be posted as soon as an admin picks a celebration channel "
    "in the bot's Home tab."
)


def channel_problem_dm(t: Translator, channel_id: str) -> str:
    return t.gettext(
        ":warning: I cannot post celebrations in <#{channel}>: I am not a member. "
        "Invite me with `/invite @revops-bot` in that channel: the wins waiting are posted as "
        "soon as I join. Or pick another channel in the celebrations settings of my Home tab."
    ).format(channel=channel_id)


def unknown_email_dm(t: Translator, *, email: str, name: str, title: str) -> str:
    return t.gettext(
        "The win *{title}* names {name} ({email}), but nobody in Slack has that e-mail. It was "
        "posted with the name as text. If they are in Slack under another address, update the "
        "e-mail in the CRM or in their Slack profile."
    ).format(title=escape(title), name=escape(name or email), email=email)


def salesforce_outage_dm(t: Translator, *, since: datetime) -> str:
    return t.gettext(
        ":warning: Salesforce has not answered since {since}: every poll of closed-won "
        "opportunities since then timed out or failed on Salesforce's side. I keep trying at "
        "each poll and will tell you once when it answers again. Nothing is lost: the wins "
        "since the last good poll are posted then. If it lasts, check trust.salesforce.com "
        "and the network between the bot and Salesforce."
    ).format(since=t.channel_time(since))


def salesforce_back_dm(t: Translator, *, since: datetime, until: datetime) -> str:
    return t.gettext(
        ":white_check_mark: Salesforce answers again (it had not answered from {since} to "
        "{until}): the wins won meanwhile are being posted."
    ).format(since=t.channel_time(since), until=t.channel_time(until))


def salesforce_problem_dm(t: Translator, problem: str) -> str:
    return t.gettext(
        ":warning: I cannot read closed-won opportunities from Salesforce: {problem}. "
        "Check the SALESFORCE_* settings of the bot and the connected app (README, Salesforce). "
        "Nothing is lost: once it works again, the wins since the last good poll are posted."
    ).format(problem=escape(problem))
