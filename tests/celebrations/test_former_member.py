"""An erased member is "a former member" in every report that names people: the gazette, the
monthly top performers, the weekly digest (and Home). Their pseudonym (`X` + 10 hex digits)
is no Slack user: as a mention, Slack would show it as an unknown one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.celebrations.helpers import block_text, channel_posts, configure, posted_win
from tests.harness import BotHarness

# Friday 20 November 2026, 16:00 in Paris: the gazette's slot (13–19 November).
FRIDAY_SLOT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
# Monday 2 November 2026, 16:00 in Paris: the first working day of November (October's board).
FIRST_WORKING_DAY = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
# Monday 23 November 2026, past 09:00 everywhere: the digests of 16–22 November.
MONDAY = datetime(2026, 11, 23, 15, tzinfo=UTC)
PSEUDONYM_MENTION = re.compile(r"<@X[0-9A-F]{10}>")


def erase(bot: BotHarness, user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", user, "--yes", monkeypatch=monkeypatch
        )
        == 0
    )


@pytest.fixture
def bruno_won_then_was_erased(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bruno (U2) won a deal in October with Alice, and one alone the week of 16 November;
    then his data was erased."""
    configure(bot, now=datetime(2026, 10, 1, tzinfo=UTC))
    october = datetime(2026, 10, 14, 12, tzinfo=UTC)
    posted_win(bot, title="Globex", winners=["U2"], at=october, amount="10000", currency="EUR")
    posted_win(
        bot,
        title="Initech",
        winners=["U1", "U2"],
        at=october,
        amount="500",
        currency="EUR",
        kind="customer_saved",
        reactions=3,
    )
    posted_win(
        bot,
        title="ACME",
        winners=["U2"],
        at=datetime(2026, 11, 17, 10, tzinfo=UTC),
        amount="12500",
        currency="EUR",
    )
    erase(bot, "U2", monkeypatch)


@pytest.mark.usefixtures("bruno_won_then_was_erased")
def test_the_gazette_names_an_erased_winner_a_former_member(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0
    (gazette,) = channel_posts(bot)
    text = block_text(gazette)
    assert "*ACME* — €12,500.00 — a former member" in text
    assert not PSEUDONYM_MENTION.search(text + gazette["text"])


@pytest.mark.usefixtures("bruno_won_then_was_erased")
def test_the_top_performers_name_an_erased_winner_a_former_member(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        bot.jobs_run("celebrations-top-performers", monkeypatch=monkeypatch, now=FIRST_WORKING_DAY)
        == 0
    )
    (board,) = channel_posts(bot)
    text = block_text(board)
    assert ":first_place_medal: a former member — €10,000.00 · 1 deal" in text
    assert "*Initech* (<@U1>, a former member) — 3 reactions" in text
    assert not PSEUDONYM_MENTION.search(text)


@pytest.mark.usefixtures("bruno_won_then_was_erased")
def test_the_digest_names_an_erased_winner_a_former_member_in_the_readers_language(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.jobs_run("weekly-digest", monkeypatch=monkeypatch, now=MONDAY) == 0
    alice = block_text(bot.fake.dms_to("U1")[0])
    assert "*ACME* — €12,500.00 — a former member" in alice
    assert not PSEUDONYM_MENTION.search(alice)
    bot.fake.add_user(user_id="U4", tz="Europe/Paris", locale="fr-FR")
    with bot.session() as session:
        from bot.digests.service import settings_of

        settings_of(session=session, team_id="T1").members_synced_at = None  # sync U4 too
    assert bot.jobs_run("weekly-digest", monkeypatch=monkeypatch, now=MONDAY) == 0
    french = block_text(bot.fake.dms_to("U4")[0])
    assert "*ACME* — 12\u202f500,00\xa0€ — un ancien membre" in french


@pytest.mark.usefixtures("bruno_won_then_was_erased")
def test_home_names_an_erased_winner_a_former_member(bot: BotHarness) -> None:
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.idle()
    home = block_text(bot.fake.home_of("U1") or {})
    assert "*ACME* — €12,500.00 — a former member" in home
    assert not PSEUDONYM_MENTION.search(home)


def test_a_card_rendered_after_its_winner_and_author_were_erased_names_nobody() -> None:
    """A card still owed when its people were erased (an outage, a channel set late) is
    rendered from the win as it is then."""
    from bot.celebrations.ranking import Winner
    from bot.celebrations.views import WinCard, win_card
    from bot.i18n import translator_for
    from bot.privacy.pseudonyms import pseudonym

    gone = pseudonym(team_id="T1", user_id="U2", secret=None)
    card = WinCard(
        title="ACME",
        kind="deal_signed",
        amount=None,
        currency=None,
        message="",
        winners=(Winner(gone, ""), Winner("U1", "")),
        source="slack",
        created_by=gone,
    )
    text, blocks = win_card(translator_for("en-US"), card)
    shown = block_text({"blocks": blocks})
    assert "Congratulations a former member, <@U1>!" in shown
    assert "Celebrated by a former member with /revops-win" in shown
    assert not PSEUDONYM_MENTION.search(shown + text)
