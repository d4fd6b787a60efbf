"""Block Kit of the intake modals: filing (with deflection), challenge and work modals.

Data in, dict out: no database, no network. Titles are cut to Slack's 24 characters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.views import View

from bot.i18n import Translator, translator
from bot.intake.ids import Block, Callback
from bot.intake.inputs import (
    HOURS_INPUT_MAX,
    LINK_MAX,
    NOTE_MAX,
    SHARE_MESSAGE_MAX,
    SUMMARY_MAX,
)
from bot.intake.models import IntakeRequest
from bot.intake.state import ModalRef, dump
from bot.intake.views_card import headline
from bot.intake.views_text import (
    SIZE_LABELS,
    cut,
    quote,
)

TITLE_LIMIT = 24
TEXT_INPUT_MAX = 3000  # Slack's own limit for a plain-text input
OPTION_TEXT_LIMIT = 75


@dataclass(frozen=True)
class DocChoice:
    """A doc offered in a modal, with the words that made it match (if any)."""

    doc_id: int
    url: str
    summary: str
    matched: tuple[str, ...] = ()
    marked: tuple[str, ...] = ()  # the summary's words that matched, shown in bold


def modal(
    t: Translator,
    *,
    title: str,
    blocks: list[Any],
    callback_id: str | None = None,
    submit: str | None = None,
    private_metadata: str = "",
    close: str | None = None,
) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=callback_id,
        title=cut(title, TITLE_LIMIT),
        submit=cut(submit, TITLE_LIMIT) if submit else None,
        close=cut(close or t.gettext("Cancel"), TITLE_LIMIT),
        private_metadata=private_metadata,
        blocks=blocks,
    ).to_dict()


def options_of(t: Translator, labels: dict[str, str]) -> list[Option]:
    return [
        Option(value=key, label=cut(t.gettext(text), OPTION_TEXT_LIMIT))
        for key, text in labels.items()
    ]


def initial_option(options: list[Option], value: Any) -> Option | None:
    return next((option for option in options if option.value == value), None)


def text_input(
    block: Block,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    placeholder: str | None = None,
    dispatch: bool = False,
    hint: str | None = None,
    max_length: int = TEXT_INPUT_MAX,
) -> InputBlock:
    """A text input whose `max_length` is the limit its submission is checked against (Slack
    stops the typing there; the check stays for crafted payloads)."""
    element = PlainTextInputElement(
        action_id=block,
        initial_value=cut(initial, max_length) or None,
        max_length=max_length,
        multiline=multiline,
        placeholder=cut(placeholder, 150) if placeholder else None,
        dispatch_action_config=(
            DispatchActionConfig(trigger_actions_on=["on_character_entered"]) if dispatch else None
        ),
    )
    return InputBlock(
        block_id=block,
        label=label,
        element=element,
        optional=optional,
        dispatch_action=dispatch,
        hint=hint,
    )


def notice_modal(t: Translator, *, title: str, text: str) -> dict[str, Any]:
    return modal(
        t,
        title=title,
        close=t.gettext("Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=text[:3000]))],
    )


def working_modal(t: Translator) -> dict[str, Any]:
    return notice_modal(t, title=t.gettext("New RevOps request"), text=t.gettext("Working…"))


# ---------------------------------------------------------------- challenge and work


def _intro(request: IntakeRequest) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_intro_text(request)))


def _intro_text(request: IntakeRequest) -> str:
    return headline(request) + "\n" + quote(request.need, 500)


# The team's modals (Accept, Ask why, Decline...) open on a click, a person watching: building
# and validating their Block Kit objects cost more CPU than the rest of the click. They are the
# same for every request of a language but for a few values, so each is built once with
# placeholders (validated then) and the request's own values are written into a copy.
def _placeholder(name: str) -> str:
    return f"@@{name}@@"


def _filled(template: str, **values: str) -> dict[str, Any]:
    for name, value in values.items():
        template = template.replace(json.dumps(_placeholder(name)), json.dumps(value), 1)
    filled: dict[str, Any] = json.loads(template)
    return filled


def note_modal(
    t: Translator,
    request: IntakeRequest,
    *,
    callback_id: Callback,
    title: str,
    label: str,
    submit: str,
    meta: ModalRef,
    placeholder: str | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    """A modal with the request and one text to write (question, steps, reason, outcome)."""
    template = _blank_note_modal(
        t.language, callback_id, title, label, submit, placeholder, context is not None
    )
    values = {"intro": _intro_text(request), "meta": dump(meta)}
    if context is not None:
        values["context"] = context[:3000]
    return _filled(template, **values)


@lru_cache(maxsize=64)
def _blank_note_modal(
    language: str,
    callback_id: Callback,
    title: str,
    label: str,
    submit: str,
    placeholder: str | None,
    with_context: bool,
) -> str:
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=_placeholder("intro")))]
    if with_context:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_placeholder("context"))]))
    blocks.append(
        text_input(Block.note, label, multiline=True, placeholder=placeholder, max_length=NOTE_MAX)
    )
    view = modal(
        translator(language),
        title=title,
        callback_id=callback_id,
        submit=submit,
        private_metadata=_placeholder("meta"),
        blocks=blocks,
    )
    return json.dumps(view)


def doc_modal(
    t: Translator, request: IntakeRequest, *, meta: ModalRef, docs: Sequence[DocChoice]
) -> dict[str, Any]:
    """Answer with a doc: paste a link or pick a known doc, say why it answers, maybe share it."""
    blocks: list[Any] = [_intro(request)]
    if docs:
        options = [
            Option(value=str(doc.doc_id), label=cut(doc.url, OPTION_TEXT_LIMIT))
            for doc in docs[:100]
        ]
        blocks.append(
            InputBlock(
                block_id=Block.doc_pick,
                label=t.gettext("Pick a doc the team already shared"),
                optional=True,
                element=StaticSelectElement(
                    action_id=Block.doc_pick, options=options, placeholder=t.gettext("Known docs")
                ),
            )
        )
    blocks += [
        text_input(
            Block.doc_url,
            t.gettext("…or paste a link"),
            optional=True,
            max_length=LINK_MAX,
            placeholder=t.gettext("Dashboard, doc, existing report: https://…"),
        ),
        text_input(
            Block.doc_summary,
            t.gettext("In one sentence, how it answers the request"),
            multiline=True,
            max_length=SUMMARY_MAX,
        ),
        InputBlock(
            block_id=Block.share_channel,
            label=t.gettext("Also share it in a channel"),
            optional=True,
            hint=t.gettext("So that everyone who may ask next finds it (e.g. the SDR managers)."),
            element=ConversationSelectElement(
                action_id=Block.share_channel,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                placeholder=t.gettext("Pick a channel"),
            ),
        ),
        text_input(
            Block.share_message,
            t.gettext("Message for the channel"),
            optional=True,
            multiline=True,
            max_length=SHARE_MESSAGE_MAX,
            placeholder=t.gettext("Reminder: this dashboard already answers…"),
        ),
    ]
    return modal(
        t,
        title=t.gettext("Answer with a doc"),
        callback_id=Callback.answer_doc,
        submit=t.gettext("Send"),
        private_metadata=dump(meta),
        blocks=blocks,
    )


def accept_modal(
    t: Translator, request: IntakeRequest, *, meta: ModalRef, assignee_id: str
) -> dict[str, Any]:
    """Accept: an effort estimate (a size or hours) and who does it."""
    return _filled(
        _blank_accept_modal(t.language),
        intro=_intro_text(request),
        assignee=assignee_id,
        meta=dump(meta),
    )


@lru_cache(maxsize=16)
def _blank_accept_modal(language: str) -> str:
    t = translator(language)
    sizes = options_of(t, SIZE_LABELS)
    blocks: list[Any] = [
        SectionBlock(text=MarkdownTextObject(text=_placeholder("intro"))),
        InputBlock(
            block_id=Block.size,
            label=t.gettext("Effort"),
            optional=True,
            element=StaticSelectElement(
                action_id=Block.size, options=sizes, placeholder=t.gettext("S, M or L")
            ),
        ),
        text_input(
            Block.hours,
            t.gettext("…or hours"),
            optional=True,
            max_length=HOURS_INPUT_MAX,
            placeholder="3",
            hint=t.gettext("Hours win over the size when both are given."),
        ),
        InputBlock(
            block_id=Block.assignee,
            label=t.gettext("Assignee"),
            element=UserSelectElement(
                action_id=Block.assignee, initial_user=_placeholder("assignee")
            ),
        ),
    ]
    view = modal(
        t,
        title=t.gettext("Accept request"),
        callback_id=Callback.accept,
        submit=t.gettext("Accept"),
        private_metadata=_placeholder("meta"),
        blocks=blocks,
    )
    return json.dumps(view)
