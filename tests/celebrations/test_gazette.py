"""The weekly gazette fired with `revops-bot jobs run`, twice: the second sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.celebrations import seeds
from tests.celebrations.helpers import (
    WINS_CHANNEL,
    block_text,
    channel_posts,
    configure,
    posted_win,
)
from tests.harness import BotHarness
from tests.intake.helpers import set_up_intake

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
    # Wins per week over the quarter, drawn once for the two runs: this week's three and last
    # week's "Old deal" (today's belongs to the next gazette).
    # The chart is shown by the gazette's first message (an image block naming the file),
    # uploaded once and shared nowhere else.
    (chart,) = bot.fake.uploaded_files
    assert bot.fake.images_shown(WINS_CHANNEL) == [chart]
    assert gazette["blocks"][-1]["alt_text"] == chart.alt_text
    assert chart.channel_id is None and chart.filename == "gazette-wins-2026-11-13.png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n") and len(chart.content) > 10_000
    assert chart.alt_text == (
        "Wins per week this quarter: 4 wins in 13 weeks; the most, 3, in the week of Nov 13, 2026."
    )


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
    assert bot.fake.uploaded_files == []  # no win this quarter: nothing to chart, no chart


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


def test_the_full_gazette_tells_wins_projects_and_the_run(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A week with something in every part: each line is in the one gazette post."""
    set_up_intake(bot)
    configure(bot, now=datetime(2026, 11, 1, tzinfo=UTC))
    posted_win(
        bot,
        title="ACME",
        winners=["U1"],
        at=datetime(2026, 11, 16, 10, tzinfo=UTC),
        amount="12500",
        currency="EUR",
    )
    shipped = seeds.filed(
        bot, requester="U2", title="Forecast export", at=datetime(2026, 11, 16, 9, tzinfo=UTC)
    )
    seeds.delivered(bot, shipped, at=datetime(2026, 11, 17, 9, tzinfo=UTC))
    known = seeds.filed(
        bot, requester="U1", title="Where is churn", at=datetime(2026, 11, 17, 9, tzinfo=UTC)
    )
    seeds.answered_by_doc(bot, known, at=datetime(2026, 11, 18, 9, tzinfo=UTC))
    cpq = seeds.project(
        bot,
        name="CPQ roll-out",
        owner="U1",
        members=["U2"],
        at=datetime(2026, 11, 2, 12, tzinfo=UTC),
        milestones={"Pilot live": date(2026, 11, 18), "GO/NO-GO Germany": date(2026, 12, 4)},
    )
    seeds.moved(
        bot,
        cpq,
        by="U1",
        at=datetime(2026, 11, 18, 14, tzinfo=UTC),
        milestone="Pilot live",
        kpi_value=31,
    )

    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT) == 0

    (gazette,) = channel_posts(bot)
    text = block_text(gazette)
    assert "1 win this week" in text and "*ACME* — €12,500.00 — <@U1>" in text
    assert "*Projects that moved this week*" in text
    assert "🏁 *Pilot live* reached" in text  # a milestone reached
    assert "✅ *France* live" in text  # a country gone live
    assert "🎯 *Win rate* reached its target" in text  # a KPI that crossed its target
    assert "*The run this week*: 1 requests delivered, 1 answered by an existing doc." in text
    assert "A quiet week" not in text
    assert text.index("win this week") < text.index("Projects that moved") < text.index("run")


def test_every_part_of_the_gazette_counts_the_days_of_its_time_zone(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A New York gazette (Friday 16:00 there) tells Friday 13 to Thursday 19 November, New York
    days: what happened at 23:30 on Thursday 19th is in (already Friday 04:30 in UTC), what
    happened at 23:30 on Thursday 12th is not (already Friday 13th in UTC)."""
    set_up_intake(bot)
    configure(bot, tz="America/New_York", now=datetime(2026, 11, 1, tzinfo=UTC))
    last_evening = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)  # Thu 19th 23:30 in New York
    evening_before = datetime(2026, 11, 13, 4, 30, tzinfo=UTC)  # Thu 12th 23:30 in New York
    posted_win(bot, title="Late Thursday deal", winners=["U1"], at=last_evening)
    posted_win(bot, title="Last week's deal", winners=["U1"], at=evening_before)
    shipped = seeds.filed(bot, requester="U2", title="Export", at=evening_before)
    seeds.delivered(bot, shipped, at=last_evening)
    cpq = seeds.project(
        bot,
        name="CPQ roll-out",
        owner="U1",
        members=[],
        at=datetime(2026, 11, 2, 12, tzinfo=UTC),
        milestones={"Pilot live": date(2026, 11, 12)},
    )
    seeds.moved(bot, cpq, by="U1", at=evening_before, milestone="Pilot live", kpi_value=31)

    slot = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # Friday 20th, 16:00 in New York
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=slot) == 0
    text = block_text(channel_posts(bot)[0])
    assert "1 win this week" in text and "Late Thursday deal" in text
    assert "Last week's deal" not in text
    assert "1 requests delivered" in text
    assert "Projects that moved" not in text  # they moved the week before, New York time


def _a_week_with_a_win(bot: BotHarness) -> None:
    configure(bot, now=datetime(2026, 11, 1, tzinfo=UTC))
    posted_win(bot, title="ACME", winners=["U1"], at=datetime(2026, 11, 16, 10, tzinfo=UTC))


def test_a_post_refused_after_its_chart_was_uploaded_shows_that_file_when_retried(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart is uploaded (shared nowhere) and its id recorded before the gazette's post;
    Slack refuses the post; the retry posts the gazette showing the same file."""
    _a_week_with_a_win(bot)
    bot.fake.fail_next("chat.postMessage", "internal_error", status=500)
    bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT)
    assert channel_posts(bot) == [] and len(bot.fake.uploaded_files) == 1

    later = FRIDAY_SLOT.replace(hour=17)  # past the retry's backoff, within the grace
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=later) == 0
    (gazette,) = channel_posts(bot)
    (chart,) = bot.fake.uploaded_files  # not uploaded again
    assert bot.fake.images_shown(WINS_CHANNEL) == [chart]
    assert len(bot.fake.calls("files.completeUploadExternal")) == 1
    assert "ACME" in block_text(gazette)


def test_a_post_whose_answer_was_lost_is_neither_posted_nor_uploaded_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack posted the gazette (with its chart) but its answer never came: the next run
    finds the post in the channel's history and sends nothing, uploads nothing."""
    _a_week_with_a_win(bot)
    bot.fake.lose_answer_next("chat.postMessage")
    bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=FRIDAY_SLOT)
    later = FRIDAY_SLOT.replace(hour=17)
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=later) == 0
    assert bot.jobs_run("celebrations-gazette", monkeypatch=monkeypatch, now=later) == 0
    assert len(channel_posts(bot)) == 1 and len(bot.fake.calls("chat.postMessage")) == 1
    (chart,) = bot.fake.uploaded_files
    assert bot.fake.images_shown(WINS_CHANNEL) == [chart]
