"""Block Kit that several domains share. Data in, dict out: no database, no network."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject
from slack_sdk.models.views import View

from bot.i18n import Translator


def file_by_dm_modal(
    t: Translator, *, callback_id: str, title: str, inputs: Sequence[Block], note: str
) -> dict:
    """An admin's export whose file reaches them by direct message (the CSV exports, a
    member's data): what to export, then a note of what the file holds; Export or Cancel."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=t.gettext("Export"),
        close=t.gettext("Cancel"),
        blocks=[*inputs, ContextBlock(elements=[MarkdownTextObject(text=note)])],
    ).to_dict()
