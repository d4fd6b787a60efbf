"""What other domains add to a request without intake knowing them (bot/trackers: its issue
in Jira or Linear follows the request, and the card names the issue).

A follower is called in the transaction of every move of a request (effects.owe_move), after
intake's own rows are owed, and writes what it owes there (outbox rows): a move and what it
owes commit together. A card line is asked when the card is rendered (a read; no Slack).
Registered once at start-up by the domain's `register()`; registering a name again replaces
it (several runtimes in one process, as in the tests, register the same functions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.i18n import Translator
from bot.intake.models import IntakeRequest

MoveFollower = Callable[[Session, IntakeRequest, datetime], None]
CardLine = Callable[[Session, IntakeRequest, Translator], str | None]
# A button element (Block Kit dict) the card shows beside the team's actions.
CardButton = Callable[[Session, IntakeRequest, Translator], dict[str, Any] | None]

_followers: dict[str, MoveFollower] = {}
_card_lines: dict[str, CardLine] = {}
_card_buttons: dict[str, CardButton] = {}
# Short tags shown beside requests in App Home's lists ("OPS-12"), for many requests at once.
RequestTags = Callable[[Session, str, Sequence[int]], dict[int, str]]
_request_tags: dict[str, RequestTags] = {}


def follow_moves(name: str, follower: MoveFollower) -> None:
    _followers[name] = follower


def add_card_line(name: str, line: CardLine) -> None:
    _card_lines[name] = line


def add_card_button(name: str, button: CardButton) -> None:
    _card_buttons[name] = button


def add_request_tags(name: str, tags: RequestTags) -> None:
    _request_tags[name] = tags


def request_moved(session: Session, request: IntakeRequest, now: datetime) -> None:
    for follower in list(_followers.values()):
        follower(session, request, now)


def card_lines(session: Session, request: IntakeRequest, t: Translator) -> list[str]:
    lines = (line(session, request, t) for line in list(_card_lines.values()))
    return [text for text in lines if text]


def card_buttons(session: Session, request: IntakeRequest, t: Translator) -> list[dict[str, Any]]:
    buttons = (button(session, request, t) for button in list(_card_buttons.values()))
    return [element for element in buttons if element]


def request_tags(session: Session, team_id: str, request_ids: Sequence[int]) -> dict[int, str]:
    """Each request's tags from every domain, joined: one read per domain for the list."""
    tags: dict[int, list[str]] = {}
    if request_ids:
        for source in list(_request_tags.values()):
            for request_id, tag in source(session, team_id, request_ids).items():
                tags.setdefault(request_id, []).append(tag)
    return {request_id: " · ".join(parts) for request_id, parts in tags.items()}
