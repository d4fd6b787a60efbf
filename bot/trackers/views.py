"""Block Kit and texts of the trackers domain: data in, dict or text out. No DB, no network."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.trackers.ids import TrackerAction, TrackerBlock, TrackerCallback
from bot.trackers.models import CreateOn
from bot.trackers.service import ConnectionSummary

Block = dict[str, Any]


def issue_line(t: Translator, *, tracker: str, key: str, url: str, deleted: bool) -> str:
    """The card's line naming the request's issue."""
    if deleted:
        return t.gettext(":wastebasket: {tracker} issue {key} was deleted.").format(
            tracker=tracker, key=key
        )
    return t.gettext("{tracker} issue: <{url}|{key}>").format(tracker=tracker, url=url, key=key)


def problem_text(t: Translator, *, tracker: str, problem: str) -> str:
    return t.gettext(
        ":warning: {tracker} refused the bot, so accepted requests do not reach it: {problem}. "
        "Check the {tracker} settings in App Home and the credentials in the bot's environment."
    ).format(tracker=tracker, problem=problem[:500])


def create_button(t: Translator, request_id: int) -> Block:
    return ButtonElement(
        text=t.gettext("Create issue"), action_id=TrackerAction.create_issue, value=str(request_id)
    ).to_dict()


def home_section(t: Translator, summary: ConnectionSummary) -> list[Block]:
    """Admins: the tracker connected (or how to connect one), and what is wrong with it."""
    if summary.kind is None:
        if not summary.available:
            return []
        state = t.gettext("No tracker connected: accepted requests stay in Slack only.")
    else:
        when = (
            t.gettext("on Accept")
            if summary.create_on == CreateOn.accept
            else t.gettext("by the card's button")
        )
        state = (
            t.ngettext(  # Linear has teams where Jira has projects (and Linear projects differ)
                "{tracker} team {project}: issues created {when} · {count} issue linked",
                "{tracker} team {project}: issues created {when} · {count} issues linked",
                summary.issues,
            )
            if summary.kind == "linear"
            else t.ngettext(
                "{tracker} project {project}: issues created {when} · {count} issue linked",
                "{tracker} project {project}: issues created {when} · {count} issues linked",
                summary.issues,
            )
        ).format(
            tracker=summary.tracker,
            project=summary.project,
            when=when,
            count=t.number(summary.issues),
        )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=t.gettext("*Work tracker* (admins)") + "\n" + state),
            accessory=ButtonElement(
                text=t.gettext("Tracker settings"), action_id=TrackerAction.open_settings
            ),
        ).to_dict()
    ]
    if summary.problem:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=problem_text(t, tracker=summary.tracker, problem=summary.problem)
                    )
                ]
            ).to_dict()
        )
    return blocks


def settings_modal(t: Translator, summary: ConnectionSummary) -> dict[str, Any]:
    kinds = [Option(value=kind, text=label) for kind, label in summary.available]
    chosen = next((o for o in kinds if o.value == summary.kind), kinds[0] if kinds else None)
    create_options = [
        Option(value=CreateOn.accept, text=t.gettext("When a request is accepted")),
        Option(value=CreateOn.button, text=t.gettext("Only with the card's Create issue button")),
    ]
    create_chosen = next(
        (o for o in create_options if o.value == summary.create_on), create_options[0]
    )
    blocks = [
        InputBlock(
            block_id=TrackerBlock.kind,
            label=t.gettext("Tracker"),
            element=StaticSelectElement(
                action_id=TrackerAction.kind, options=kinds, initial_option=chosen
            ),
        ),
        InputBlock(
            block_id=TrackerBlock.project,
            label=t.gettext("Project key (Jira) or team key (Linear)"),
            element=PlainTextInputElement(
                action_id=TrackerAction.project,
                initial_value=summary.project or None,
                max_length=64,
                placeholder=t.gettext("OPS"),
            ),
        ),
        InputBlock(
            block_id=TrackerBlock.issue_type,
            label=t.gettext("Issue type (Jira)"),
            optional=True,
            element=PlainTextInputElement(
                action_id=TrackerAction.issue_type,
                initial_value=summary.issue_type or None,
                max_length=64,
                placeholder=t.gettext("Task"),
            ),
        ),
        InputBlock(
            block_id=TrackerBlock.create_on,
            label=t.gettext("Create issues"),
            element=RadioButtonsElement(
                action_id=TrackerAction.create_on,
                options=create_options,
                initial_option=create_chosen,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=TrackerCallback.settings,
        title=t.gettext("Work tracker"),
        submit=t.gettext("Connect"),
        close=t.gettext("Cancel"),
        blocks=blocks,
    ).to_dict()
