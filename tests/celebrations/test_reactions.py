"""Reactions on win posts count for the month's best cases: once per person and emoji."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.celebrations.ids import WinCallback
from bot.celebrations.models import WinReaction
from tests.celebrations.helpers import block_text, channel_posts, configure
from tests.celebrations.test_manual_win import form, open_modal
from tests.harness import BotHarness


def reaction(
    kind: str,
    user: str,
    channel: str,
    ts: str,
    name: str = "clap",
    event_ts: str = "1700000001.000200",
) -> dict[str, str | dict[str, str]]:
    return {
        "type": kind,
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": "UBOT1",
        "event_ts": event_ts,
    }


def count(bot: BotHarness) -> int:
    """Reactions that count now (taken-back ones are kept as the latest event, not counted)."""
    with bot.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(WinReaction).where(WinReaction.present.is_(True))
            )
            or 0
        )


def events_handled(bot: BotHarness) -> int:
    with bot.session() as session:
        return session.scalar(select(func.count()).select_from(WinReaction)) or 0


def test_reactions_are_counted_once_and_the_bots_own_is_not(bot: BotHarness) -> None:
    configure(bot)
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.idle()  # the card is posted and the bot knows where
    (post,) = channel_posts(bot)
    ts = post["ts"]

    bot.event(reaction("reaction_added", "U2", "CWINS", ts), event_id="Ev1")
    bot.event(reaction("reaction_added", "U2", "CWINS", ts), event_id="Ev1", retry_num=1)
    bot.event(reaction("reaction_added", "UADMIN", "CWINS", ts, "fire"), event_id="Ev2")
    bot.event(reaction("reaction_added", "UBOT1", "CWINS", ts, "tada"), event_id="Ev3")
    bot.event(reaction("reaction_added", "U2", "C1", "1700000000.000100"), event_id="Ev4")
    bot.idle()
    assert count(bot) == 2

    bot.event(
        reaction("reaction_removed", "UADMIN", "CWINS", ts, "fire", "1700000002.000100"),
        event_id="Ev5",
    )
    bot.idle()
    assert count(bot) == 1


def test_a_removal_handled_before_its_add_leaves_no_reaction(bot: BotHarness) -> None:
    """Slack sends the two events a second apart; two listener threads may still handle them
    the other way round. The later event decides, whatever order they are handled in."""
    configure(bot)
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.idle()  # the card is posted and the bot knows where
    (post,) = channel_posts(bot)
    ts = post["ts"]

    removed = reaction("reaction_removed", "U2", "CWINS", ts, "eyes", "1700000009.000100")
    bot.event(removed, event_id="Ev2")
    bot.idle()
    assert events_handled(bot) == 1
    bot.event(reaction("reaction_added", "U2", "CWINS", ts, "eyes", "1700000008.000100"))
    bot.event(reaction("reaction_added", "U3", "CWINS", ts, "eyes", "1700000010.000100"))
    bot.idle()  # the late add has had its chance to count
    assert events_handled(bot) == 2
    assert count(bot) == 1  # U3's; U2 took theirs back
    with bot.session() as session:
        (still,) = session.scalars(select(WinReaction).where(WinReaction.present.is_(True)))
    assert still.user_id == "U3"


def test_reactions_on_win_posts_decide_the_months_best_cases(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    for title in ("ACME signs for 3 years", "Globex renews"):
        view = open_modal(bot)
        bot.submit(
            WinCallback.modal,
            form(winners=["U1"], title=title),
            private_metadata=view["private_metadata"],
        )
    bot.idle()
    posts = channel_posts(bot)
    ts = {("ACME" if "ACME" in block_text(p) else "Globex"): p["ts"] for p in posts}

    bot.event(reaction("reaction_added", "U2", "CWINS", ts["ACME"]))
    bot.event(reaction("reaction_added", "UADMIN", "CWINS", ts["ACME"], "fire"))
    bot.event(reaction("reaction_added", "U2", "CWINS", ts["Globex"]))
    bot.event(reaction("reaction_added", "UBOT1", "CWINS", ts["Globex"], "tada"))  # no vote
    bot.event(reaction("reaction_added", "UADMIN", "CWINS", ts["Globex"], "eyes"))
    bot.idle()  # events run in parallel: the add lands before its removal is sent
    assert count(bot) == 4
    bot.event(reaction("reaction_removed", "UADMIN", "CWINS", ts["Globex"], "eyes"))
    bot.idle()
    assert count(bot) == 3

    # The first day of next month (Paris, the workspace's zone), the month's best cases.
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    now = datetime.combine(first, time(16), ZoneInfo("Europe/Paris"))
    bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=now)
    board = [p for p in channel_posts(bot) if "Top performers" in block_text(p)]
    best = block_text(board[0]).split("Best cases of the month")[1]
    assert ":first_place_medal: *ACME signs for 3 years* (<@U1>) — 2 reactions" in best
    assert ":second_place_medal: *Globex renews* (<@U1>) — 1 reaction" in best
