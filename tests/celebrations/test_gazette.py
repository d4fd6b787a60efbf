"""The weekly gazette fired with `revops-bot jobs run`, twice: the second sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.celebrations.helpers import block_text, channel_posts, configure, posted_win
from tests.harness import BotHarness

# Friday 20 November 2026, 16:00 in Paris: the gazette's slot (weekday 4, 16:00, Europe/Paris).
FRIDAY_SLOT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_the_gazette_sums_up_the_week_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot, now=datetime(2026, 11, 1, tzinfo=UTC))
    posted_win(
        bot,
        title="ACME",
        winners=["U1"],
        at=datetime(2026, 11, 16, 10, tzinfo=UTC),
        amount="12500",
        currency="EUR",
    )
    posted_win(
        bot,
        title="Globex",
        winners=["U2"],
        at=datetime(2026, 11, 19, 10, tzinfo=UTC),
        amount="3000",
        currency="USD",
    )
    posted_win(
        bot,
        title="Initech",
        winners=["U2"],
        at=datetime(2026, 11, 18, 10, tzinfo=UTC),
        amount="500",
        currency="EUR",
    )
    # Outside the week (13–19 Nov): last week's, and today's (next gazette).
    posted_win(bot, title="Old deal", winners=["U1"], at=datetime(2026, 11, 12, 10, tzinfo=UTC))
    posted_win(bot, title="Today", winners=["U1"], at=datetime(2026, 11, 20, 9, tzinfo=UTC))

    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0

    (gazette,) = channel_posts(bot)
    text = block_text(gazette)
    assert "The weekly gazette" in text and "Nov 13" in text and "19, 2026" in text
    assert "3 wins this week" in text
    assert "€13,000.00 · $3,000.00" in text  # per currency, never added up without rates
    # Amounts in two currencies without rates cannot be compared: newest first.
    assert text.index("Globex") < text.index("Initech") < text.index("ACME")
    assert "Old deal" not in text and "Today" not in text
    assert len(gazette["blocks"]) <= 50


def test_with_exchange_rates_the_gazette_adds_one_converted_total(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decimal import Decimal

    configure(bot, base_currency="EUR", rates={"USD": Decimal("0.9")})
    posted_win(
        bot,
        title="ACME",
        winners=["U1"],
        at=datetime(2026, 11, 16, tzinfo=UTC),
        amount="1000",
        currency="EUR",
    )
    posted_win(
        bot,
        title="Globex",
        winners=["U2"],
        at=datetime(2026, 11, 17, tzinfo=UTC),
        amount="2000",
        currency="USD",
    )
    bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT)
    text = block_text(channel_posts(bot)[0])
    assert "€1,000.00 · $2,000.00 (≈ €2,800.00 in all)" in text
    assert text.index("Globex") < text.index("ACME")  # $2,000 ≈ €1,800 > €1,000


def test_a_quiet_week_gets_a_short_friendly_gazette(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0
    (gazette,) = channel_posts(bot)
    assert "A quiet week" in block_text(gazette)
    assert len(gazette["blocks"]) <= 4


def test_the_gazette_is_in_the_workspace_language(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.workspaces.models import Workspace

    configure(bot)
    with bot.session() as session:
        workspace = session.get(Workspace, "T1")
        assert workspace is not None
        workspace.default_locale = "fr-FR"
    posted_win(
        bot,
        title="ACME",
        winners=["U1"],
        at=datetime(2026, 11, 16, tzinfo=UTC),
        amount="12500",
        currency="EUR",
    )
    bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT)
    text = block_text(channel_posts(bot)[0])
    assert "La gazette de la semaine" in text and "12\u202f500,00\xa0€" in text
