"""Block Kit of the weekly digest DM and its Home tab section. Data in, dict out."""

from __future__ import annotations

from babel.lists import format_list
from babel.numbers import format_currency
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.digests.ids import DigestAction, DigestBlock, DigestView
from bot.digests.service import TeamWeek
from bot.i18n import Translator
from bot.sections import Block

MESSAGE_BLOCK_LIMIT = 50


def weekday_names(t: Translator) -> list[str]:
    return [
        t.gettext("Monday"),
        t.gettext("Tuesday"),
        t.gettext("Wednesday"),
        t.gettext("Thursday"),
        t.gettext("Friday"),
        t.gettext("Saturday"),
        t.gettext("Sunday"),
    ]


def digest_message(
    t: Translator, *, name: str, sections: list[list[Block]]
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of one digest; sections that do not fit are left out whole."""
    title = t.gettext("Your week with RevOps")
    blocks: list[Block] = [HeaderBlock(text=title).to_dict()]
    footer = digest_footer(t)
    budget = MESSAGE_BLOCK_LIMIT - len(blocks) - len(footer)
    for section in sections:
        if not section or len(section) + 1 > budget:
            continue
        blocks.append(DividerBlock().to_dict())
        blocks.extend(section)
        budget -= len(section) + 1
    blocks.extend(footer)
    text = t.gettext("{name}, here is your week with RevOps.").format(name=name or "👋")
    return text, blocks


def team_week_line(t: Translator, week: TeamWeek) -> list[Block]:
    """One line on the team's week ([] when the team's week had nothing)."""
    if week.is_empty:
        return []
    parts = []
    if week.wins:
        wins = t.count("{count} win", "{count} wins", week.wins)
        if week.won:
            won = " · ".join(
                format_currency(amount, currency, locale=t.language)
                for currency, amount in week.won.items()
            )
            wins += f" ({won})"
        parts.append(wins)
    counted = [
        (
            week.delivered,
            t.ngettext("{count} request delivered", "{count} requests delivered", week.delivered),
        ),
        (
            week.deflected,
            t.ngettext("{count} answered by a doc", "{count} answered by a doc", week.deflected),
        ),
        (
            week.milestones,
            t.ngettext("{count} milestone reached", "{count} milestones reached", week.milestones),
        ),
        (
            week.gone_live,
            t.ngettext(
                "{count} team or country live", "{count} teams or countries live", week.gone_live
            ),
        ),
        (week.targets, t.ngettext("{count} KPI on target", "{count} KPIs on target", week.targets)),
    ]
    parts += [text.format(count=t.number(count)) for count, text in counted if count]
    line = t.gettext(":busts_in_silhouette: The team's week: {facts}.").format(
        facts=format_list(parts, locale=t.language)
    )
    return [ContextBlock(elements=[MarkdownTextObject(text=line[:3000])]).to_dict()]


def digest_footer(t: Translator) -> list[Block]:
    return [
        DividerBlock().to_dict(),
        ContextBlock(
            block_id=DigestBlock.footer,
            elements=[
                MarkdownTextObject(
                    text=t.gettext("You get this digest every week. Not useful? Unsubscribe.")
                )
            ],
        ).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(text=t.gettext("Unsubscribe"), action_id=DigestAction.unsubscribe)
            ]
        ).to_dict(),
    ]


def unsubscribed_message(t: Translator, blocks: list[Block]) -> list[Block]:
    """A digest DM after its reader unsubscribed from it: what it said, and a note instead of
    its footer and button."""
    kept = [
        block
        for block in blocks
        if block.get("type") != "actions" and block.get("block_id") != DigestBlock.footer
    ]
    return kept + unsubscribed_footer(t)


def unsubscribed_footer(t: Translator) -> list[Block]:
    note = t.gettext(
        "You are unsubscribed: no more weekly digests. Resubscribe from the bot's Home tab."
    )
    return [
        ContextBlock(
            block_id=DigestBlock.footer, elements=[MarkdownTextObject(text=note)]
        ).to_dict()
    ]


def home_section(
    t: Translator, *, subscribed: bool, weekday: int, hour: int, is_admin: bool
) -> list[Block]:
    when = t.gettext("{weekday} at {time}, your time").format(
        weekday=weekday_names(t)[weekday], time=t.clock(hour)
    )
    if subscribed:
        status = t.gettext("*Weekly digest*: on, {when}.").format(when=when)
        button = ButtonElement(text=t.gettext("Unsubscribe"), action_id=DigestAction.unsubscribe)
    else:
        status = t.gettext("*Weekly digest*: off. You can turn it back on.")
        button = ButtonElement(
            text=t.gettext("Resubscribe"), action_id=DigestAction.resubscribe, style="primary"
        )
    elements = [button]
    if is_admin:
        elements.append(
            ButtonElement(
                text=t.gettext("Digest day and hour"), action_id=DigestAction.open_settings
            )
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=status)).to_dict(),
        ActionsBlock(elements=elements).to_dict(),
    ]


def settings_modal(t: Translator, *, weekday: int, hour: int) -> dict:
    days = [Option(value=str(index), label=name) for index, name in enumerate(weekday_names(t))]
    hours = [Option(value=str(h), label=t.clock(h)) for h in range(24)]
    return View(
        type="modal",
        callback_id=DigestView.settings,
        title=t.gettext("Weekly digest"),
        submit=t.gettext("Save"),
        close=t.gettext("Cancel"),
        blocks=[
            InputBlock(
                block_id=DigestBlock.weekday,
                label=t.gettext("Day"),
                element=StaticSelectElement(
                    action_id=DigestBlock.weekday, options=days, initial_option=days[weekday]
                ),
            ),
            InputBlock(
                block_id=DigestBlock.hour,
                label=t.gettext("Hour, in each member's own time zone"),
                element=StaticSelectElement(
                    action_id=DigestBlock.hour, options=hours, initial_option=hours[hour]
                ),
            ),
        ],
    ).to_dict()
