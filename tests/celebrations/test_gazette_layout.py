"""The gazette stays within Slack's 50 blocks per message: long ones continue in a thread."""

from __future__ import annotations

from typing import Any

from bot.celebrations.report_views import split_messages


def blocks(n: int, tag: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"{tag}{i}"}} for i in range(n)]


def test_sections_that_fit_share_one_message_with_dividers() -> None:
    (message,) = split_messages(blocks(2, "h"), [blocks(3, "a"), blocks(4, "b")])
    assert [b["type"] for b in message].count("divider") == 2 and len(message) == 11


def test_a_section_that_does_not_fit_starts_the_next_message() -> None:
    messages = split_messages(blocks(2, "h"), [blocks(30, "a"), blocks(30, "b")])
    assert [len(m) for m in messages] == [33, 30]
    assert all(len(m) <= 50 for m in messages)


def test_a_section_longer_than_a_message_is_cut_into_pieces() -> None:
    messages = split_messages(blocks(2, "h"), [blocks(120, "a")])
    assert all(len(m) <= 50 for m in messages)
    texts = [b["text"]["text"] for m in messages for b in m if b["type"] == "section"]
    assert texts == [f"h{i}" for i in range(2)] + [f"a{i}" for i in range(120)]
