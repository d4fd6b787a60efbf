"""Monthly top performers fired with `revops-bot jobs run`, twice: the second sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.celebrations.helpers import block_text, channel_posts, configure, posted_win
from tests.harness import BotHarness

# Monday 2 November 2026, 16:00 in Paris: the first working day of November.
FIRST_WORKING_DAY = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 14, 12, tzinfo=UTC)


def test_top_performers_share_ties_keep_currencies_apart_and_post_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    posted_win(bot, title="ACME", winners=["U1"], at=OCTOBER, amount="10000", currency="EUR")
    posted_win(bot, title="Globex", winners=["U2"], at=OCTOBER, amount="10000", currency="EUR")
    posted_win(bot, title="Hooli", winners=["UADMIN"], at=OCTOBER, amount="400", currency="EUR")
    posted_win(bot, title="Initech", winners=["U2"], at=OCTOBER, amount="9000", currency="USD")
    posted_win(
        bot,
        title="Saved Umbrella",
        winners=["UADMIN"],
        at=OCTOBER,
        kind="customer_saved",
        reactions=7,
    )
    posted_win(
        bot,
        title="Ticket hero",
        winners=["UADMIN"],
        at=OCTOBER,
        kind="support_case",
        reactions=7,
    )
    posted_win(
        bot,
        title="September deal",
        winners=["U1"],
        at=datetime(2026, 9, 30, tzinfo=UTC),
        amount="99999",
        currency="EUR",
    )

    assert (
        bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY)
        == 0
    )
    assert (
        bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY)
        == 0
    )

    (post,) = channel_posts(bot)
    text = block_text(post)
    assert "Top performers of October 2026" in text
    eur = text.split("Top sellers* (EUR)")[1].split("*Top sellers")[0]
    # U1 and U2 tie on €10,000 and one deal each: both first; UADMIN third, not second.
    assert ":first_place_medal: <@U1> — €10,000.00 · 1 deal" in eur
    assert ":first_place_medal: <@U2> — €10,000.00 · 1 deal" in eur
    assert ":third_place_medal: <@UADMIN> — €400.00" in eur
    assert "Top sellers* (USD)" in text and "<@U2> — $9,000.00" in text
    assert ":first_place_medal: <@UADMIN> — 2 customers helped" in text
    best = text.split("Best cases of the month")[1]
    assert "Saved Umbrella" in best and "Ticket hero" in best and "7 reactions" in best
    assert "99,999" not in text  # September is not October
    assert "never added up" in text


def test_a_month_without_wins_sends_nothing(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    code = bot.jobs_run(
        "celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY
    )
    assert code == 0 and channel_posts(bot) == []


def test_turned_off_top_performers_are_not_sent(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot, top_performers=False)
    posted_win(bot, title="ACME", winners=["U1"], at=OCTOBER, amount="10000", currency="EUR")
    bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY)
    assert channel_posts(bot) == []


def test_each_top_performer_is_cited_by_the_win_their_place_rests_on(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    posted_win(bot, title="Initech", winners=["U1"], at=OCTOBER, amount="5000", currency="EUR")
    posted_win(bot, title="Umbrella", winners=["U1"], at=OCTOBER, amount="8000", currency="EUR")
    posted_win(bot, title="Hooli", winners=["U2"], at=OCTOBER, amount="3000", currency="EUR")
    posted_win(bot, title="Case A", winners=["U2"], at=OCTOBER, kind="support_case", reactions=1)
    posted_win(bot, title="Case B", winners=["U2"], at=OCTOBER, kind="customer_saved", reactions=4)

    bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY)
    text = block_text(channel_posts(bot)[0])
    # A seller: their total, their deals, and their biggest deal by name.
    assert (
        ":first_place_medal: <@U1> — €13,000.00 · 2 deals · biggest: *Umbrella* (€8,000.00)" in text
    )
    assert ":second_place_medal: <@U2> — €3,000.00 · 1 deal · biggest: *Hooli* (€3,000.00)" in text
    # A support agent: the case the team applauded most.
    assert ":first_place_medal: <@U2> — 2 customers helped · including *Case B*" in text
    # The best cases name themselves, with their reactions.
    best = text.split("Best cases of the month")[1]
    assert best.index("*Case B*") < best.index("*Case A*") and "4 reactions" in best
