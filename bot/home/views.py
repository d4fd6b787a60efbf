"""Block Kit of the Home tab frame. Data in, dict out."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.sections import Block

HOME_BLOCK_LIMIT = 100


def home_view(t: Translator, sections: list[list[Block]]) -> dict:
    """The Home tab: a header, then each non-empty section, within Slack's 100 blocks."""
    blocks: list[Block] = [HeaderBlock(text=t.gettext("RevOps bot")).to_dict()]
    budget = HOME_BLOCK_LIMIT - len(blocks) - 1  # keep room for the "cut" note
    shown_all = True
    for section in sections:
        if not section:
            continue
        needed = len(section) + 1
        if needed > budget:
            shown_all = False
            break
        blocks.append(DividerBlock().to_dict())
        blocks.extend(section)
        budget -= needed
    if not shown_all:
        note = t.gettext("Some sections are hidden: the Home tab is full.")
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]).to_dict())
    return View(type="home", blocks=blocks).to_dict()


def welcome_section(t: Translator) -> list[Block]:
    text = t.gettext(
        "File a request with `/revops-request`, follow a project with `/revops-project`, "
        "celebrate a win with `/revops-win`."
    )
    return [ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()]
