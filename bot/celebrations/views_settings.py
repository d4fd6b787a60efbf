"""Block Kit of the celebrations settings: the admins' modal and Home section. Data in, dict out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import get_day_names
from slack_sdk.models.blocks import (
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.celebrations.ids import SettingsAction, SettingsBlock, WinAction, WinCallback
from bot.celebrations.views import escape
from bot.i18n import Translator
from bot.sections import Block


@dataclass(frozen=True)
class SettingsForm:
    channel_id: str | None
    weekday: int
    hour: int
    tz: str
    top_performers: bool
    won_stages: str
    portal_id: str
    base_currency: str
    exchange_rates: str
    salesforce_stages: str = ""


def settings_modal(t: Translator, form: SettingsForm) -> dict[str, Any]:
    days = get_day_names("wide", locale=t.language)
    weekdays = [Option(value=str(day), text=days[day].capitalize()) for day in range(7)]
    hours = [Option(value=str(hour), text=t.clock(hour)) for hour in range(24)]
    top_option = Option(value="on", text=t.gettext("Post the monthly top performers"))
    return View(
        type="modal",
        callback_id=WinCallback.settings,
        title=t.gettext("Celebrations settings")[:24],
        submit=t.gettext("Save")[:24],
        close=t.gettext("Cancel")[:24],
        blocks=[
            InputBlock(
                block_id=SettingsBlock.channel,
                label=t.gettext("Celebration channel"),
                hint=t.gettext("Wins, the weekly gazette and the top performers are posted here."),
                element=ConversationSelectElement(
                    action_id=SettingsAction.channel,
                    initial_conversation=form.channel_id,
                    filter=ConversationFilter(include=["public", "private"]),
                ),
            ),
            InputBlock(
                block_id=SettingsBlock.weekday,
                label=t.gettext("Gazette day"),
                element=StaticSelectElement(
                    action_id=SettingsAction.weekday,
                    options=weekdays,
                    initial_option=weekdays[form.weekday],
                ),
            ),
            InputBlock(
                block_id=SettingsBlock.hour,
                label=t.gettext("Gazette hour"),
                element=StaticSelectElement(
                    action_id=SettingsAction.hour, options=hours, initial_option=hours[form.hour]
                ),
            ),
            _text_input(t, SettingsBlock.tz, SettingsAction.tz, t.gettext("Time zone"), form.tz),
            InputBlock(
                block_id=SettingsBlock.top_performers,
                label=t.gettext("Top performers"),
                optional=True,
                element=CheckboxesElement(
                    action_id=SettingsAction.top_performers,
                    options=[top_option],
                    initial_options=[top_option] if form.top_performers else None,
                ),
            ),
            _text_input(
                t,
                SettingsBlock.won_stages,
                SettingsAction.won_stages,
                t.gettext("HubSpot won stages"),
                form.won_stages,
                hint=t.gettext("Stage ids that count as won, separated by commas."),
            ),
            _text_input(
                t,
                SettingsBlock.portal_id,
                SettingsAction.portal_id,
                t.gettext("HubSpot portal id"),
                form.portal_id,
                optional=True,
                hint=t.gettext("Needed only when the bot serves several workspaces."),
            ),
            _text_input(
                t,
                SettingsBlock.salesforce_stages,
                SettingsAction.salesforce_stages,
                t.gettext("Salesforce won stages"),
                form.salesforce_stages,
                optional=True,
                hint=t.gettext(
                    "Opportunity stage names that count as won, separated by commas. "
                    "Empty: every opportunity Salesforce marks as won."
                ),
            ),
            _text_input(
                t,
                SettingsBlock.base_currency,
                SettingsAction.base_currency,
                t.gettext("Base currency"),
                form.base_currency,
                optional=True,
            ),
            _text_input(
                t,
                SettingsBlock.exchange_rates,
                SettingsAction.exchange_rates,
                t.gettext("Exchange rates"),
                form.exchange_rates,
                optional=True,
                hint=t.gettext(
                    "One unit of each currency in the base currency, e.g. USD=0.92, GBP=1.17. "
                    "Without rates, amounts in different currencies are never added up."
                ),
            ),
        ],
    ).to_dict()


def _text_input(
    t: Translator,
    block_id: str,
    action_id: str,
    label: str,
    value: str,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=action_id, initial_value=value or None, max_length=300
        ),
    )


# ---------------------------------------------------------------- Home tab


@dataclass(frozen=True)
class SettingsSummary:
    channel_id: str | None
    weekday: int
    hour: int
    tz: str
    top_performers: bool
    channel_problem: str | None
    waiting: int
    salesforce_polled: bool = False
    salesforce_stages: str = ""
    salesforce_problem: str | None = None
    salesforce_unanswered_since: datetime | None = None  # an outage an admin was told of


def home_settings_section(t: Translator, summary: SettingsSummary) -> list[Block]:
    """Admins: what is set, a button to change it, and what is wrong with the channel."""
    if summary.channel_id:
        day = get_day_names("wide", locale=t.language)[summary.weekday]
        state = t.gettext(
            "Channel <#{channel}> · gazette every {day} at {time} ({tz}) · top performers {on}"
        ).format(
            channel=summary.channel_id,
            day=day,
            time=t.clock(summary.hour),
            tz=summary.tz,
            on=t.gettext("on") if summary.top_performers else t.gettext("off"),
        )
    else:
        state = t.gettext("No celebration channel yet: wins are kept until one is set.")
    blocks: list[Any] = [
        SectionBlock(
            text=MarkdownTextObject(text=t.gettext("*Celebrations* (admins)") + "\n" + state),
            accessory=ButtonElement(
                text=t.gettext("Celebrations settings"), action_id=WinAction.open_settings
            ),
        )
    ]
    if summary.channel_id and summary.channel_problem:
        warning = t.gettext(
            ":warning: The bot is not in <#{channel}>, so it cannot post celebrations there. "
            "Invite it with `/invite @revops-bot`: what waits is posted as soon as it joins."
        ).format(channel=summary.channel_id)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=warning),
                accessory=ButtonElement(
                    text=t.gettext("Check again"), action_id=WinAction.check_channel
                ),
            )
        )
    if summary.waiting:
        waiting = t.ngettext(
            "{count} win is waiting to be posted.",
            "{count} wins are waiting to be posted.",
            summary.waiting,
        ).format(count=t.number(summary.waiting))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=waiting)]))
    if summary.salesforce_problem:
        problem = t.gettext(
            ":warning: Salesforce: {problem}. Check the bot's SALESFORCE_* settings."
        ).format(problem=escape(summary.salesforce_problem[:500]))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=problem)]))
    elif summary.salesforce_unanswered_since is not None:
        outage = t.gettext(
            ":warning: Salesforce has not answered since {since}: the poll tries again at "
            "each tick, and nothing is lost meanwhile."
        ).format(since=t.channel_time(summary.salesforce_unanswered_since))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=outage)]))
    elif summary.salesforce_polled:
        stages = escape(summary.salesforce_stages) or t.gettext("every opportunity marked won")
        polled = t.gettext("Salesforce closed-won opportunities are polled: {stages}.").format(
            stages=stages
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=polled)]))
    return [block.to_dict() for block in blocks]
