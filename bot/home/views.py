"""Block Kit of the Home tab frame. Data in, dict out."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
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


def setup_checklist_section(t: Translator, steps: list[SetupStepShown]) -> list[Block]:
    """The admin's checklist: a header, one line per step (done, or a button to do it)."""
    done = sum(1 for step in steps if step.done)
    blocks: list[Block] = [
        HeaderBlock(text=t.gettext("Finish setting up RevOps bot")).to_dict(),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t.gettext(
                        "{done} of {total} done. Until the intake channel is chosen, requests "
                        "are kept and their requesters told the team is still setting up."
                    ).format(done=done, total=len(steps))
                )
            ]
        ).to_dict(),
    ]
    for step in steps:
        if step.done:
            line = SectionBlock(text=MarkdownTextObject(text=f":white_check_mark: ~{step.title}~"))
        else:
            line = SectionBlock(
                text=MarkdownTextObject(text=f":white_large_square: *{step.title}*"),
                accessory=ButtonElement(
                    text=t.gettext("Set up"), action_id=step.action_id, style="primary"
                ),
            )
        blocks.append(line.to_dict())
    return blocks


@dataclass(frozen=True)
class SetupStepShown:
    action_id: str
    title: str  # translated
    done: bool
