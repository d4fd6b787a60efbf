"""Block Kit of the filing modal, with the docs that may answer a draft (deflection).

Data in, dict out: no database, no network. Inputs keep their block and action ids across
updates, so Slack keeps what the requester typed when the docs appear.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.i18n import Translator, translator
from bot.intake.ids import Action, Block, Callback
from bot.intake.inputs import LINK_MAX, NEED_MAX, TITLE_MAX
from bot.intake.models import Status
from bot.intake.state import FilingDraft, FollowRef, dump
from bot.intake.views_modal import (
    OPTION_TEXT_LIMIT,
    DocChoice,
    initial_option,
    modal,
    options_of,
    text_input,
)
from bot.intake.views_text import (
    BENEFICIARY_LABELS,
    CATEGORY_LABELS,
    IMPACT_LABELS,
    STATUS_LABELS,
    cut,
    day,
    highlighted,
    label,
    link,
    ref,
    safe,
)


@dataclass(frozen=True)
class DuplicateChoice:
    """An open request offered to follow instead of filing (hashable: the modal is cached)."""

    request_id: int
    number: int
    title: str
    status: str
    eta: date | None = None
    matched: tuple[str, ...] = ()


def duplicates_blocks(t: Translator, requests: Sequence[DuplicateChoice]) -> list[Any]:
    """ "REQ-9 'Pipeline coverage by segment', accepted, ETA Dec 11: follow it instead?" """
    if not requests:
        return []
    blocks: list[Any] = [
        DividerBlock(),
        SectionBlock(
            block_id=Block.duplicates,
            text=MarkdownTextObject(
                text=t.gettext(
                    "*Someone already asked for this?* Follow an open request instead: you get "
                    "its news and ETA, and your need counts in its priority."
                )
            ),
        ),
    ]
    for request in requests:
        facts = [label(t, STATUS_LABELS, request.status)]
        if request.eta and request.status in (Status.accepted, Status.in_progress):
            facts.append(t.gettext("ETA {date}").format(date=day(t, request.eta)))
        text = t.gettext("*{ref}* “{title}”, {facts}: follow it instead?").format(
            ref=ref(request.number), title=safe(request.title, 150), facts=", ".join(facts)
        )
        if request.matched:
            matched = t.gettext("Matched: {words}").format(words=", ".join(request.matched[:8]))
            text += f"\n_{matched}_"
        blocks.append(
            SectionBlock(
                block_id=f"intake_duplicate_{request.request_id}",
                text=MarkdownTextObject(text=text),
                accessory=ButtonElement(
                    text=t.gettext("Follow {ref}").format(ref=ref(request.number)),
                    action_id=f"{Action.follow}_{request.request_id}",
                    value=dump(FollowRef(request_id=request.request_id)),
                ),
            )
        )
    blocks.append(DividerBlock())
    return blocks


def docs_blocks(t: Translator, docs: Sequence[DocChoice]) -> list[Any]:
    """ "Does this answer it?": the team's docs that match the draft, withdraw in one click."""
    if not docs:
        return []
    blocks: list[Any] = [
        DividerBlock(),
        SectionBlock(
            block_id=Block.docs,
            text=MarkdownTextObject(
                text=t.gettext(
                    "*Does this answer it?* The team already answered similar requests with "
                    "these docs."
                )
            ),
        ),
    ]
    for doc in docs:
        matched = t.gettext("Matched: {words}").format(words=", ".join(doc.matched[:8]))
        blocks.append(
            SectionBlock(
                block_id=f"intake_doc_{doc.doc_id}",
                text=MarkdownTextObject(
                    text=link(doc.url, cut(doc.url, 80))
                    + "\n"
                    + highlighted(doc.summary, doc.marked, 400)
                    + (f"\n_{matched}_" if doc.matched else "")
                ),
                accessory=ButtonElement(
                    text=t.gettext("Yes, withdraw my request"),
                    action_id=Action.deflected,
                    value=str(doc.doc_id),
                ),
            )
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t.gettext("Not what you need? Submit and the request is filed as usual.")
                )
            ]
        )
    )
    blocks.append(DividerBlock())
    return blocks


# Only text inputs are filled into a cached modal; any other prefill builds it afresh.
_TEXT_PREFILLS = frozenset({Block.request_title, Block.need})


def filing_modal(
    t: Translator,
    *,
    draft: FilingDraft,
    values: dict[str, Any],
    rollouts: Sequence[tuple[int, str]],
    docs: Sequence[DocChoice] = (),
    duplicates: Sequence[DuplicateChoice] = (),
) -> dict[str, Any]:
    """The /revops-request modal. `values` prefill it (command text, a message, a retry).

    Building and validating ~40 Block Kit objects costs more CPU than the rest of the command;
    the modal without its typed text is the same for every command of a language, so it is
    built once and the text is written into a copy.
    """
    if set(values) - _TEXT_PREFILLS:
        return _build_filing_modal(
            t, draft=draft, values=values, rollouts=rollouts, docs=docs, duplicates=duplicates
        )
    view = json.loads(
        _blank_filing_modal(
            t.language, draft.model_dump_json(), tuple(rollouts), tuple(docs), tuple(duplicates)
        )
    )
    for block in view["blocks"]:
        text = values.get(block.get("block_id"))
        if block.get("block_id") in _TEXT_PREFILLS and text:
            block["element"]["initial_value"] = cut(text, block["element"]["max_length"])
    return view


@lru_cache(maxsize=64)
def _blank_filing_modal(
    language: str,
    draft_json: str,
    rollouts: tuple[tuple[int, str], ...],
    docs: tuple[DocChoice, ...],
    duplicates: tuple[DuplicateChoice, ...] = (),
) -> str:
    draft = FilingDraft.model_validate_json(draft_json)
    view = _build_filing_modal(
        translator(language),
        draft=draft,
        values={},
        rollouts=rollouts,
        docs=docs,
        duplicates=duplicates,
    )
    return json.dumps(view)


def _build_filing_modal(
    t: Translator,
    *,
    draft: FilingDraft,
    values: dict[str, Any],
    rollouts: Sequence[tuple[int, str]],
    docs: Sequence[DocChoice] = (),
    duplicates: Sequence[DuplicateChoice] = (),
) -> dict[str, Any]:
    impact = options_of(t, IMPACT_LABELS)
    beneficiary = options_of(t, BENEFICIARY_LABELS)
    category = options_of(t, CATEGORY_LABELS)
    blocks: list[Any] = []
    if draft.source_permalink:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t.gettext("From this message: {link}").format(
                            link=link(draft.source_permalink, t.gettext("original message"))
                        )
                    )
                ]
            )
        )
    blocks += [
        text_input(
            Block.request_title,
            t.gettext("Title"),
            initial=values.get(Block.request_title) or "",
            placeholder=t.gettext("e.g. Add a 'Lost reason' field to opportunities"),
            dispatch=True,
            max_length=TITLE_MAX,
        ),
        text_input(
            Block.need,
            t.gettext("What will you do with it?"),
            initial=values.get(Block.need) or "",
            multiline=True,
            placeholder=t.gettext("The need behind the request: the decision, the deal, the team"),
            dispatch=True,
            max_length=NEED_MAX,
        ),
        *duplicates_blocks(t, duplicates),
        *docs_blocks(t, docs),
        InputBlock(
            block_id=Block.impact,
            label=t.gettext("Business impact"),
            element=RadioButtonsElement(
                action_id=Block.impact,
                options=impact,
                initial_option=initial_option(impact, values.get(Block.impact)),
            ),
        ),
        InputBlock(
            block_id=Block.beneficiary,
            label=t.gettext("Who benefits?"),
            element=StaticSelectElement(
                action_id=Block.beneficiary,
                options=beneficiary,
                initial_option=initial_option(beneficiary, values.get(Block.beneficiary)),
                placeholder=t.gettext("Pick one"),
            ),
        ),
        InputBlock(
            block_id=Block.category,
            label=t.gettext("Category"),
            element=StaticSelectElement(
                action_id=Block.category,
                options=category,
                initial_option=initial_option(category, values.get(Block.category)),
                placeholder=t.gettext("Pick one"),
            ),
        ),
        InputBlock(
            block_id=Block.wished_date,
            label=t.gettext("Wished-for date"),
            optional=True,
            element=DatePickerElement(
                action_id=Block.wished_date,
                initial_date=_iso(values.get(Block.wished_date)),
            ),
        ),
    ]
    if rollouts:
        options = [
            Option(value=str(rollout_id), label=cut(name, OPTION_TEXT_LIMIT))
            for rollout_id, name in rollouts[:100]
        ]
        blocks.append(
            InputBlock(
                block_id=Block.rollout,
                label=t.gettext("Part of a tool roll-out"),
                optional=True,
                hint=t.gettext(
                    "Requests for a roll-out in progress come first, to protect adoption."
                ),
                element=StaticSelectElement(
                    action_id=Block.rollout,
                    options=options,
                    initial_option=initial_option(options, values.get(Block.rollout)),
                    placeholder=t.gettext("Pick a roll-out"),
                ),
            )
        )
    blocks.append(
        text_input(
            Block.link,
            t.gettext("Link"),
            initial=values.get(Block.link) or "",
            optional=True,
            placeholder="https://",
            max_length=LINK_MAX,
        )
    )
    return modal(
        t,
        title=t.gettext("New RevOps request"),
        callback_id=Callback.file,
        submit=t.gettext("File request"),
        private_metadata=dump(draft),
        blocks=blocks,
    )


def _iso(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return value or None


def prefill_from_text(text: str) -> dict[str, str]:
    """Command or message text → title (its first line, cut) and need (the whole text)."""
    text = text.strip()
    if not text:
        return {}
    first_line = text.splitlines()[0]
    return {Block.request_title: cut(first_line, TITLE_MAX), Block.need: cut(text, NEED_MAX)}
