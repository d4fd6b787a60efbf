"""The weekly digest as people get it, with every domain's real sections (no test section):
fired with `revops-bot jobs run weekly-digest --now ...`, twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.i18n import translator_for
from bot.intake.models import IntakeRequest
from bot.intake.views_text import day
from tests.celebrations import seeds
from tests.celebrations.helpers import block_text, configure, posted_win
from tests.harness import BotHarness
from tests.intake.helpers import REVOPS_MEMBER, TEAM_LEAD, set_up_intake
from tests.projects.helpers import PROJECT_CHANNEL

# The week told: Monday 23 to Sunday 29 November 2026; digests go out Monday 30 at 09:00 local.
MONDAY = datetime(2026, 11, 30, 15, tzinfo=UTC)  # past 09:00 in New York, Paris and London
NEXT_MONDAY = datetime(2026, 12, 7, 15, tzinfo=UTC)
EVERYONE = {"U1", "U2", "UADMIN", REVOPS_MEMBER, TEAM_LEAD}


def digest_of(bot: BotHarness, user: str) -> str:
    (dm,) = bot.fake.dms_to(user)
    return block_text(dm)


@pytest.fixture
def busy_week(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> date:
    """U1 (New York) has an accepted request with an ETA, owns a project whose check-in waits
    and whose next milestone comes, and won a deal; U2 (Paris, French) is in the project and won
    too; the team delivered a request, answered one with a doc, reached a milestone, went live
    in France and reached a KPI target. Returns the ETA U1 was last told (the queue moved
    when Bruno's request went through it)."""
    set_up_intake(bot)
    configure(bot, now=datetime(2026, 11, 1, tzinfo=UTC))
    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")

    mine = seeds.filed(
        bot, requester="U1", title="Pipeline by region", at=datetime(2026, 11, 24, 14, tzinfo=UTC)
    )
    seeds.accepted(bot, mine, at=datetime(2026, 11, 25, 9, tzinfo=UTC))
    shipped = seeds.filed(
        bot, requester="U2", title="Forecast export", at=datetime(2026, 11, 24, 9, tzinfo=UTC)
    )
    seeds.delivered(bot, shipped, at=datetime(2026, 11, 26, 16, tzinfo=UTC))
    known = seeds.filed(
        bot, requester="U2", title="Where is churn", at=datetime(2026, 11, 25, 8, tzinfo=UTC)
    )
    seeds.answered_by_doc(bot, known, at=datetime(2026, 11, 25, 10, tzinfo=UTC))

    cpq = seeds.project(
        bot,
        name="CPQ roll-out",
        owner="U1",
        members=["U2"],
        at=datetime(2026, 11, 23, 12, tzinfo=UTC),
        milestones={"Pilot live": date(2026, 11, 23), "GO/NO-GO Germany": date(2026, 12, 4)},
    )
    seeds.moved(
        bot,
        cpq,
        by="U1",
        at=datetime(2026, 11, 23, 20, tzinfo=UTC),
        milestone="Pilot live",
        kpi_value=31,
    )
    # Tuesday 24th, 10:05 in New York: the clock sends the check-in card (and plans the next
    # one, Tuesday 1 December); nobody answers it.
    checkin = bot.runtime.runner.tick(
        "project-checkin", now=datetime(2026, 11, 24, 15, 5, tzinfo=UTC)
    )
    assert checkin.sent == 1

    posted_win(
        bot,
        title="ACME renewal",
        winners=["U1"],
        at=datetime(2026, 11, 25, 17, tzinfo=UTC),
        amount="12500",
        currency="EUR",
    )
    posted_win(
        bot,
        title="Globex",
        winners=["U2"],
        at=datetime(2026, 11, 26, 11, tzinfo=UTC),
        amount="3000",
        currency="USD",
    )
    posted_win(bot, title="Last week's", winners=["U1"], at=datetime(2026, 11, 20, tzinfo=UTC))
    bot.fake.reset_calls()
    with bot.session() as session:
        request = session.get(IntakeRequest, mine)
        assert request is not None and request.eta_told is not None
        return request.eta_told


def test_each_member_gets_one_real_digest_and_a_second_run_sends_nothing(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, busy_week: date
) -> None:
    assert bot.jobs_run("weekly-digest", now=MONDAY, monkeypatch=monkeypatch) == 0
    sent = len(bot.fake.calls("chat.postMessage", ok=True))
    assert bot.jobs_run("weekly-digest", now=MONDAY, monkeypatch=monkeypatch) == 0
    assert len(bot.fake.calls("chat.postMessage", ok=True)) == sent == len(EVERYONE)
    for user in EVERYONE:
        assert len(bot.fake.dms_to(user)) == 1, user

    alice = digest_of(bot, "U1")
    assert "Your week with RevOps" in alice
    # Greeted by her name in Slack, not by her handle ("u1").
    (dm,) = bot.fake.dms_to("U1")
    assert dm["text"] == "Alice Martin, here is your week with RevOps."
    # Her open request, with its status and the ETA she was told.
    english = translator_for("en-US")
    assert f"*REQ-1* Pipeline by region · Accepted · ETA {day(english, busy_week)}" in alice
    assert "Forecast export" not in alice  # Bruno's, and delivered
    # Her project: the check-in waiting since Tuesday, the next one, the next milestone.
    assert "*CPQ roll-out*" in alice
    assert "check-in waiting for an update since Nov 24, 2026" in alice
    assert "next check-in Tuesday Dec 1, 2026 at 10:00\u202fAM" in alice
    assert "next milestone *GO/NO-GO Germany* on Dec 4, 2026" in alice
    # Her win, her team's, and the one line on the team's week.
    assert alice.index("Your wins this week") < alice.index("ACME renewal")
    assert alice.index("Your team's wins") < alice.index("Globex")
    assert "Last week's" not in alice
    team_line = (
        "The team's week: 2 wins (€12,500.00 · $3,000.00), 1 request delivered, 1 answered by "
        "a doc, 1 milestone reached, 1 team or country live, and 1 KPI on target."
    )
    assert team_line in alice
    # Sections in the digest's order: the run, projects, wins, then the team's week.
    assert (
        alice.index("Your requests")
        < alice.index("Your projects")
        < alice.index("Your wins")
        < alice.index("The team's week")
    )

    bruno = digest_of(bot, "U2")  # Paris, French
    assert "Votre semaine avec RevOps" in bruno
    assert "*CPQ roll-out*" in bruno and "GO/NO-GO Germany" in bruno
    assert bruno.index("Vos réussites de la semaine") < bruno.index("Globex")
    assert "Les réussites de votre équipe" in bruno and "ACME renewal" in bruno
    assert (
        "La semaine de l’équipe : 2 réussites (12\u202f500,00\xa0€ · 3\u202f000,00\xa0$US), "
        "1 demande livrée, 1 résolue par une doc, 1 jalon atteint, 1 équipe ou pays en "
        "production et 1 KPI à l’objectif." in bruno
    )
    assert "Your" not in bruno

    # Ada has nothing of her own this week: her team's wins and its week, nothing else.
    ada = digest_of(bot, "UADMIN")
    assert "ACME renewal" in ada and "Globex" in ada and team_line in ada
    assert "Your requests" not in ada and "Your projects" not in ada
    assert "Your wins this week" not in ada


def test_a_quiet_team_week_sends_only_to_those_with_something_of_their_own(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, busy_week: date
) -> None:
    """The week after: nobody won, delivered or moved anything. Alice's request and project
    are still open: she hears about them; the others have nothing to be told."""
    assert bot.jobs_run("weekly-digest", now=NEXT_MONDAY, monkeypatch=monkeypatch) == 0
    assert bot.jobs_run("weekly-digest", now=NEXT_MONDAY, monkeypatch=monkeypatch) == 0
    alice = digest_of(bot, "U1")
    assert "Pipeline by region" in alice and "*CPQ roll-out*" in alice
    assert "The team's week" not in alice and "wins" not in alice
    assert len(bot.fake.dms_to("U2")) == 1  # still in the project
    for user in ("UADMIN", REVOPS_MEMBER, TEAM_LEAD):
        assert bot.fake.dms_to(user) == [], user


def test_a_digest_caught_up_two_days_late_tells_the_week_it_was_due_for(
    bot: BotHarness,
) -> None:
    """The clock was down on Monday 30 November; it comes back on Wednesday 2 December (within
    the digest's grace): the digests it sends then tell 23–29 November, not 25 November to
    1 December."""
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=datetime(2026, 11, 23, 12, tzinfo=UTC))  # schedules made
    posted_win(bot, title="Tuesday deal", winners=["U1"], at=datetime(2026, 11, 24, 15, tzinfo=UTC))
    posted_win(bot, title="Too late", winners=["U1"], at=datetime(2026, 12, 1, 15, tzinfo=UTC))
    bot.fake.reset_calls()

    late = runner.tick("weekly-digest", now=datetime(2026, 12, 2, 16, tzinfo=UTC))
    assert late.sent == 3  # U1, U2, UADMIN, each once
    alice = digest_of(bot, "U1")
    assert "Tuesday deal" in alice and "Too late" not in alice
    assert "The team's week: 1 win." in alice
