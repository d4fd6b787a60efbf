"""Text typed in a modal, checked on submit against the limit the modal itself declares.

Slack's clients stop typing at a plain-text input's `max_length`, but a submission can carry
more (an older client, a change at Slack, a crafted payload): the text would then be stored
whole, or cut without a word where a card or a column has less room. So every view_submission
is checked here, before any listener, in every domain: an input whose text is longer than its
`max_length` gets a field error on its block, in the user's language, and the submission goes
no further. The view in the payload is the one Slack showed (Slack echoes its blocks), so the
limit checked is exactly the one the modal declared. Domains still check their own rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.errors import Np_
from bot.i18n import Translator, translator_for
from bot.services import Services

logger = logging.getLogger(__name__)

TOO_LONG = Np_(
    "Keep it under {max} character (it has {length}).",
    "Keep it under {max} characters (it has {length}).",
    "max",
)


def check_text_lengths(app: App, services: Services) -> None:
    """Register the check as a global middleware (after the workspace pin)."""
    app.middleware(_check(services))


def too_long_inputs(view: Any) -> dict[str, tuple[int, int]]:
    """{block_id: (max_length, length)} of each plain-text input longer than it declares."""
    if not isinstance(view, dict):
        return {}
    blocks, state = view.get("blocks"), view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(blocks, list) or not isinstance(values, dict):
        return {}
    found: dict[str, tuple[int, int]] = {}
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element, block_id = block.get("element"), block.get("block_id")
        if not isinstance(element, dict) or element.get("type") != "plain_text_input":
            continue
        limit = element.get("max_length")
        if not isinstance(limit, int) or isinstance(limit, bool) or not isinstance(block_id, str):
            continue
        entered = values.get(block_id)
        typed = entered.get(element.get("action_id")) if isinstance(entered, dict) else None
        text = typed.get("value") if isinstance(typed, dict) else None
        if isinstance(text, str) and len(text.strip()) > limit:
            found[block_id] = (limit, len(text.strip()))
    return found


def _check(services: Services) -> Callable[..., Any]:
    def check(body: dict[str, Any], context: Any, client: WebClient, next: Any) -> Any:
        if body.get("type") != "view_submission":
            return next()
        over = too_long_inputs(body.get("view"))
        if not over:
            return next()
        t = _translator(services, client, context)
        errors = {
            block_id: t.message(TOO_LONG, max=limit, length=length)
            for block_id, (limit, length) in over.items()
        }
        logger.info(
            "modal text over its max_length",
            extra={"team": context.team_id, "user": context.user_id, "blocks": sorted(over)},
        )
        return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})

    return check


def _translator(services: Services, client: WebClient, context: Any) -> Translator:
    try:
        return services.translator(client, team_id=context.team_id, user_id=context.user_id)
    except Exception:  # a field error in English beats none
        return translator_for(None)
