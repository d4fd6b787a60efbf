"""Reactions on win posts count for the month's best cases: once per person and emoji."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.celebrations.ids import WinCallback
from bot.celebrations.models import WinReaction
from tests.celebrations.helpers import channel_posts, configure, wait_until
from tests.celebrations.test_manual_win import form, open_modal
from tests.harness import BotHarness


def reaction(
    kind: str, user: str, channel: str, ts: str, name: str = "clap"
) -> dict[str, str | dict[str, str]]:
    return {
        "type": kind,
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": "UBOT1",
        "event_ts": "1700000001.000200",
    }


def count(bot: BotHarness) -> int:
    with bot.session() as session:
        return session.scalar(select(func.count()).select_from(WinReaction)) or 0


def test_reactions_are_counted_once_and_the_bots_own_is_not(bot: BotHarness) -> None:
    configure(bot)
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    (post,) = wait_until(lambda: channel_posts(bot))
    wait_until(lambda: bot.fake.calls("reactions.add"))
    ts = post["ts"]

    bot.event(reaction("reaction_added", "U2", "CWINS", ts), event_id="Ev1")
    bot.event(reaction("reaction_added", "U2", "CWINS", ts), event_id="Ev1", retry_num=1)
    bot.event(reaction("reaction_added", "UADMIN", "CWINS", ts, "fire"), event_id="Ev2")
    bot.event(reaction("reaction_added", "UBOT1", "CWINS", ts, "tada"), event_id="Ev3")
    bot.event(reaction("reaction_added", "U2", "C1", "1700000000.000100"), event_id="Ev4")
    assert wait_until(lambda: count(bot) == 2)

    bot.event(reaction("reaction_removed", "UADMIN", "CWINS", ts, "fire"), event_id="Ev5")
    assert wait_until(lambda: count(bot) == 1)
