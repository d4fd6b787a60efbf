"""The wins section celebrations contributes to the weekly personal digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.celebrations.sections import digest_wins_section
from bot.i18n import translator_for
from bot.sections import DigestReader
from bot.workspaces.service import MemberProfile, save_member
from tests.celebrations.helpers import block_text, configure, posted_win
from tests.harness import BotHarness


def reader_for(bot, session, user_id: str, tz: str, locale: str = "en-US") -> DigestReader:  # type: ignore[no-untyped-def]
    member = save_member(
        session=session,
        team_id="T1",
        profile=MemberProfile(user_id, user_id, tz, locale, False, False, False, False),
        now=datetime.now(UTC),
    )
    return DigestReader(
        session=session,
        team_id="T1",
        member=member,
        t=translator_for(locale),
        now=datetime(2026, 11, 23, 9, tzinfo=UTC),
        week_start=date(2026, 11, 16),
        week_end=date(2026, 11, 22),
    )


def test_the_digest_shows_my_wins_and_my_teams(bot: BotHarness) -> None:
    configure(bot)
    posted_win(
        bot,
        title="Mine",
        winners=["U1"],
        at=datetime(2026, 11, 17, tzinfo=UTC),
        amount="1000",
        currency="EUR",
    )
    posted_win(
        bot,
        title="Theirs",
        winners=["U2"],
        at=datetime(2026, 11, 18, tzinfo=UTC),
        amount="2000",
        currency="EUR",
    )
    posted_win(bot, title="Last week", winners=["U1"], at=datetime(2026, 11, 10, tzinfo=UTC))

    assert "wins" in bot.runtime.services.sections.digest.names()
    with bot.session() as session:
        text = block_text({"blocks": digest_wins_section(reader_for(bot, session, "U1", "UTC"))})
    assert text.index("Your wins this week") < text.index("Mine") < text.index("Your team's wins")
    assert "Theirs" in text and "Last week" not in text
    # The one line on the team's week is the digest's own (tests/digests).
    assert "The team" not in text


def test_the_digest_week_is_the_readers_own_and_their_language(bot: BotHarness) -> None:
    configure(bot)
    # Sunday 22 Nov 23:30 in New York is Monday 23 Nov 04:30 UTC: still the reader's week.
    posted_win(
        bot, title="Late Sunday", winners=["U2"], at=datetime(2026, 11, 23, 4, 30, tzinfo=UTC)
    )
    with bot.session() as session:
        new_york = digest_wins_section(reader_for(bot, session, "U1", "America/New_York", "fr-FR"))
        tokyo = digest_wins_section(reader_for(bot, session, "U3", "Asia/Tokyo"))
    assert "Late Sunday" in block_text({"blocks": new_york})
    assert "Les réussites de votre équipe" in block_text({"blocks": new_york})
    assert tokyo == []  # in Tokyo that was already Monday: next week's digest


def test_nothing_to_say_is_an_empty_section(bot: BotHarness) -> None:
    configure(bot)
    with bot.session() as session:
        assert digest_wins_section(reader_for(bot, session, "U1", "UTC")) == []
