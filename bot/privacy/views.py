"""Block Kit of the admins' privacy section and modals. Data in, dict out."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.privacy.ids import PrivacyAction, PrivacyBlock, PrivacyView
from bot.sections import Block
from bot.slack.views import file_by_dm_modal


def home_section(
    t: Translator, *, retention_months: int | None, last_purge: tuple[datetime, int] | None
) -> list[Block]:
    if retention_months is None:
        kept = t.gettext("Data is kept until someone erases it.")
    else:
        kept = t.count(
            "Closed requests and check-ins are deleted after {count} month.",
            "Closed requests and check-ins are deleted after {count} months.",
            retention_months,
        )
    lines = [t.gettext("*Privacy* (admins)"), kept]
    if last_purge is not None:
        when, removed = last_purge
        lines.append(
            t.ngettext(
                "Last purge on {date}: {count} row removed.",
                "Last purge on {date}: {count} rows removed.",
                removed,
            ).format(date=t.day(when.date()), count=t.number(removed))
        )
    return [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t.gettext("Export a member's data"), action_id=PrivacyAction.open_export
                ),
                ButtonElement(
                    text=t.gettext("Erase a member's data"),
                    action_id=PrivacyAction.open_erase,
                    style="danger",
                ),
                ButtonElement(
                    text=t.gettext("Privacy settings"), action_id=PrivacyAction.open_settings
                ),
            ]
        ).to_dict(),
    ]


def _user_input(t: Translator) -> InputBlock:
    return InputBlock(
        block_id=PrivacyBlock.user,
        label=t.gettext("Member"),
        element=UserSelectElement(action_id=PrivacyBlock.user),
    )


def export_modal(t: Translator) -> dict:
    note = t.gettext(
        "Every row that names this member, across the bot's data, as one JSON file sent to you "
        "by direct message. The export is recorded in the audit trail."
    )
    return file_by_dm_modal(
        t,
        callback_id=PrivacyView.export,
        title=t.gettext("Export data"),
        inputs=[_user_input(t)],
        note=note,
    )


def erase_modal(t: Translator) -> dict:
    warning = t.gettext(
        "The member's id becomes a pseudonym everywhere, what they wrote about themselves and "
        "their e-mail are erased, and they get no more messages from the bot. Counts and "
        "totals stay. This cannot be undone."
    )
    confirm = Option(value="yes", label=t.gettext("I understand, erase this member's data"))
    return View(
        type="modal",
        callback_id=PrivacyView.erase,
        title=t.gettext("Erase data"),
        submit=t.gettext("Erase"),
        close=t.gettext("Cancel"),
        blocks=[
            _user_input(t),
            SectionBlock(text=MarkdownTextObject(text=warning)),
            InputBlock(
                block_id=PrivacyBlock.confirm,
                label=t.gettext("Confirmation"),
                element=CheckboxesElement(action_id=PrivacyBlock.confirm, options=[confirm]),
            ),
        ],
    ).to_dict()


def settings_modal(
    t: Translator,
    *,
    retention_months: int | None,
    grace_days: int,
    admin_group: str | None,
    usergroups: list[tuple[str, str]],
) -> dict:
    groups = [Option(value=group_id, label=f"@{handle}"[:75]) for group_id, handle in usergroups][
        :100
    ]
    current = next((option for option in groups if option.value == admin_group), None)
    return View(
        type="modal",
        callback_id=PrivacyView.settings,
        title=t.gettext("Privacy settings"),
        submit=t.gettext("Save"),
        close=t.gettext("Cancel"),
        blocks=[
            InputBlock(
                block_id=PrivacyBlock.retention,
                optional=True,
                label=t.gettext("Delete closed requests and check-ins after (months)"),
                hint=t.gettext("Leave empty to keep them."),
                element=NumberInputElement(
                    action_id=PrivacyBlock.retention,
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value="120",
                    initial_value=str(retention_months) if retention_months else None,
                ),
            ),
            InputBlock(
                block_id=PrivacyBlock.grace,
                label=t.gettext("After an uninstall, keep the data for (days)"),
                element=NumberInputElement(
                    action_id=PrivacyBlock.grace,
                    is_decimal_allowed=False,
                    min_value="0",
                    max_value="365",
                    initial_value=str(grace_days),
                ),
            ),
            InputBlock(
                block_id=PrivacyBlock.admin_group,
                optional=True,
                label=t.gettext("Admin group (besides workspace admins)"),
                element=StaticSelectElement(
                    action_id=PrivacyBlock.admin_group,
                    options=groups or [Option(value="-", label=t.gettext("No user group"))],
                    initial_option=current,
                ),
            ),
        ],
    ).to_dict()
