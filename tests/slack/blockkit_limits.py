"""Block Kit, view and message limits, checked the way Slack's Web API checks them.

Each check returns Slack-style messages, e.g.
``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``;
the fake wraps them as ``invalid_blocks`` (messages) or ``invalid_arguments`` (views).
Limits: https://api.slack.com/reference/block-kit (blocks, block elements, composition objects).
"""

from __future__ import annotations

import re
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "video",
        "call",
        "table",
        "context_actions",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
# Elements whose ``options`` list is limited, with their limit.
OPTIONS_LIMIT = {
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
    "checkboxes": 10,
    "radio_buttons": 10,
}


class _Checker:
    """Accumulates error messages while walking a payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, ptr: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{ptr}]")

    def length(self, value: Any, limit: int, ptr: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", ptr)

    def text(self, obj: Any, limit: int, ptr: str) -> None:
        """A text composition object ({type, text}); ``None`` means absent."""
        if obj is None:
            return
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.fail("must be a text object with a string text field", ptr)
            return
        self.length(obj["text"], limit, f"{ptr}/text")

    def items(self, seq: Any, limit: int, ptr: str) -> list[Any]:
        if seq is None:
            return []
        if not isinstance(seq, list):
            self.fail("must be an array", ptr)
            return []
        if len(seq) > limit:
            self.fail(f"no more than {limit} items allowed", ptr)
        return seq

    def required(self, obj: dict[str, Any], key: str, ptr: str) -> bool:
        if obj.get(key) in (None, "", []):
            self.fail(f"missing required field: {key}", ptr)
            return False
        return True

    # --- composition objects and elements -------------------------------------------
    def option(self, opt: Any, ptr: str) -> None:
        if not isinstance(opt, dict):
            self.fail("must be an option object", ptr)
            return
        self.text(opt.get("text"), 75, f"{ptr}/text")
        self.length(opt.get("value"), 150, f"{ptr}/value")
        self.text(opt.get("description"), 75, f"{ptr}/description")
        self.length(opt.get("url"), 3000, f"{ptr}/url")

    def confirm(self, dialog: Any, ptr: str) -> None:
        if isinstance(dialog, dict):
            self.text(dialog.get("title"), 100, f"{ptr}/title")
            self.text(dialog.get("text"), 300, f"{ptr}/text")
            self.text(dialog.get("confirm"), 30, f"{ptr}/confirm")
            self.text(dialog.get("deny"), 30, f"{ptr}/deny")

    def element(self, el: Any, ptr: str, action_ids: set[str]) -> None:
        if not isinstance(el, dict) or not isinstance(el.get("type"), str):
            self.fail("missing required field: type", ptr)
            return
        kind = el["type"]
        action_id = el.get("action_id")
        if isinstance(action_id, str):
            self.length(action_id, 255, f"{ptr}/action_id")
            if action_id in action_ids:
                self.fail(f"duplicate action_id: {action_id}", f"{ptr}/action_id")
            action_ids.add(action_id)
        self.text(el.get("placeholder"), 150, f"{ptr}/placeholder")
        self.confirm(el.get("confirm"), f"{ptr}/confirm")
        if kind == "button":
            if self.required(el, "text", ptr):
                self.text(el["text"], 75, f"{ptr}/text")
            self.length(el.get("value"), 2000, f"{ptr}/value")
            self.length(el.get("url"), 3000, f"{ptr}/url")
        elif kind == "image":
            self.image_source(el, ptr)
        elif kind == "plain_text_input":
            for key in ("max_length", "min_length"):
                value = el.get(key)
                if isinstance(value, int) and value > 3000:
                    self.fail("must be less than or equal to 3000", f"{ptr}/{key}")
            self.length(el.get("initial_value"), 3000, f"{ptr}/initial_value")
        if kind in OPTIONS_LIMIT:
            for i, opt in enumerate(
                self.items(el.get("options"), OPTIONS_LIMIT[kind], f"{ptr}/options")
            ):
                self.option(opt, f"{ptr}/options/{i}")
            for g, group in enumerate(
                self.items(el.get("option_groups"), 100, f"{ptr}/option_groups")
            ):
                gptr = f"{ptr}/option_groups/{g}"
                if isinstance(group, dict):
                    self.text(group.get("label"), 75, f"{gptr}/label")
                    for i, opt in enumerate(
                        self.items(group.get("options"), 100, f"{gptr}/options")
                    ):
                        self.option(opt, f"{gptr}/options/{i}")

    def image_source(self, image: dict[str, Any], ptr: str) -> None:
        """An image block or element: alt text required (2,000 characters), and exactly one of
        image_url (3,000) or slack_file, which holds exactly one of url or id (an F… file id)."""
        if self.required(image, "alt_text", ptr):
            self.length(image["alt_text"], 2000, f"{ptr}/alt_text")
        url, slack_file = image.get("image_url"), image.get("slack_file")
        if (url is None) == (slack_file is None):
            self.fail("must provide either image_url or slack_file", ptr)
        self.length(url, 3000, f"{ptr}/image_url")
        if slack_file is None:
            return
        if not isinstance(slack_file, dict) or ("id" in slack_file) == ("url" in slack_file):
            self.fail("invalid slack file", f"{ptr}/slack_file")
            return
        file_id = slack_file.get("id")
        if file_id is not None and not (
            isinstance(file_id, str) and re.fullmatch(r"F[A-Z0-9]{8,}", file_id)
        ):
            self.fail("input must match regex pattern: ^[F][A-Z0-9]{8,}$", f"{ptr}/slack_file/id")

    # --- blocks -------------------------------------------------------------------------
    def block(self, blk: Any, ptr: str, block_ids: set[str]) -> None:
        if not isinstance(blk, dict):
            self.fail("must be an object", ptr)
            return
        kind = blk.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported type: {kind}", f"{ptr}/type")
            return
        block_id = blk.get("block_id")
        if isinstance(block_id, str):
            self.length(block_id, 255, f"{ptr}/block_id")
            if block_id in block_ids:
                self.fail(f"duplicate block_id: {block_id}", f"{ptr}/block_id")
            block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            if blk.get("text") is None and blk.get("fields") is None:
                self.fail("must provide text or fields", ptr)
            self.text(blk.get("text"), 3000, f"{ptr}/text")
            for i, fld in enumerate(self.items(blk.get("fields"), 10, f"{ptr}/fields")):
                self.text(fld, 2000, f"{ptr}/fields/{i}")
            if blk.get("accessory") is not None:
                self.element(blk["accessory"], f"{ptr}/accessory", action_ids)
        elif kind == "header":
            if self.required(blk, "text", ptr):
                self.text(blk["text"], 150, f"{ptr}/text")
        elif kind == "context":
            self.required(blk, "elements", ptr)
            for i, el in enumerate(self.items(blk.get("elements"), 10, f"{ptr}/elements")):
                if not (isinstance(el, dict) and el.get("type") in TEXT_TYPES):
                    self.element(el, f"{ptr}/elements/{i}", action_ids)
        elif kind == "actions":
            self.required(blk, "elements", ptr)
            for i, el in enumerate(self.items(blk.get("elements"), 25, f"{ptr}/elements")):
                self.element(el, f"{ptr}/elements/{i}", action_ids)
        elif kind == "input":
            if self.required(blk, "label", ptr):
                self.text(blk["label"], 2000, f"{ptr}/label")
            self.text(blk.get("hint"), 2000, f"{ptr}/hint")
            if self.required(blk, "element", ptr):
                self.element(blk["element"], f"{ptr}/element", action_ids)
        elif kind == "image":
            self.image_source(blk, ptr)
            self.text(blk.get("title"), 2000, f"{ptr}/title")

    def blocks(self, blocks: Any, limit: int, ptr: str) -> None:
        block_ids: set[str] = set()
        for i, blk in enumerate(self.items(blocks, limit, ptr)):
            self.block(blk, f"{ptr}/{i}", block_ids)


def check_blocks(
    blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS, ptr: str = "/blocks"
) -> list[str]:
    """Errors for a list of blocks (empty list when valid)."""
    checker = _Checker()
    checker.blocks(blocks, max_blocks, ptr)
    return checker.errors


def check_view(view: Any, *, allowed_types: frozenset[str]) -> list[str]:
    """Errors for a modal/home view object (empty list when valid)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("must be a view object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in allowed_types:
        checker.fail(f"must be one of: {', '.join(sorted(allowed_types))}", "/view/type")
        return checker.errors
    if kind == "modal":
        if checker.required(view, "title", "/view"):
            checker.text(view["title"], 24, "/view/title")
        checker.text(view.get("submit"), 24, "/view/submit")
        checker.text(view.get("close"), 24, "/view/close")
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            checker.fail("must provide a submit property when using input blocks", "/view")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    if view.get("blocks") is None:
        checker.fail("missing required field: blocks", "/view")
    else:
        checker.blocks(view["blocks"], MAX_VIEW_BLOCKS, "/view/blocks")
    return checker.errors


def check_message(args: dict[str, Any], *, require_text: bool) -> tuple[str, list[str]] | None:
    """(error, messages) for a chat.* message payload, or None when it is acceptable."""
    text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
    if require_text and not text and not blocks and not attachments:
        return "no_text", []
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long", [
            f"[ERROR] must be less than {MAX_MESSAGE_TEXT + 1} characters [json-pointer:/text]"
        ]
    if blocks is not None:
        if not isinstance(blocks, list):
            return "invalid_blocks_format", [
                "[ERROR] blocks must be a JSON array [json-pointer:/blocks]"
            ]
        errors = check_blocks(blocks)
        if errors:
            return "invalid_blocks", errors
    if attachments is not None and not isinstance(attachments, list):
        return "invalid_attachments", [
            "[ERROR] attachments must be a JSON array [json-pointer:/attachments]"
        ]
    metadata = args.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    ):
        return "invalid_metadata_format", [
            "[ERROR] metadata must be a JSON object with event_type and event_payload"
            " [json-pointer:/metadata]"
        ]
    return None
