"""A Slack outage delays what the bot owes; it never loses it, nor sends it twice.

During a 60-second outage of chat.postMessage, chat.update and views.publish, requests are
filed and accepted (ETAs move): every ack is in time, and once Slack is back every card,
receipt, ETA DM and thread note arrives exactly once, every card's ts is known (its buttons
work) and Home tabs show the final state.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.celebrations.ids import WinCallback
from bot.i18n import translator_for
from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest, Status
from bot.outbox.service import DONE
from bot.projects.ids import ProjectAction
from bot.scheduling.models import Delivery
from tests.celebrations.conftest import WINS_CHANNEL
from tests.celebrations.helpers import configure
from tests.celebrations.test_manual_win import form as win_form
from tests.celebrations.test_manual_win import open_modal as open_win_modal
from tests.harness import BotHarness, HttpResult, eventually
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_MEMBER,
    accept_values,
    act,
    blocks_text,
    click,
    dm_texts,
    file_request,
    filing_values,
    open_filing,
    reload,
    set_up_intake,
    submit,
)
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    create_project,
    fire_checkin,
    next_weekday,
    today,
    update_values,
)
from tests.projects.helpers import click as click_project
from tests.projects.helpers import last_view as project_last_view
from tests.projects.helpers import submit as submit_project
from tests.slack.fake_slack import FakeSlack

# The 60 s by default; REVOPS_TEST_OUTAGE_SECONDS shortens it while working on it.
OUTAGE_SECONDS = float(os.environ.get("REVOPS_TEST_OUTAGE_SECONDS", "60"))
SLACK_WRITES = ("chat.postMessage", "chat.update", "views.publish")
EN = translator_for("en-US")


def owed(bot: BotHarness) -> list[Delivery]:
    """Outbox rows not done yet (cards, messages, Home tabs)."""
    kinds = bot.runtime.outbox.kinds
    with bot.session() as session:
        return list(
            session.scalars(
                select(Delivery).where(Delivery.kind.in_(kinds), Delivery.status.not_in(DONE))
            )
        )


def delivered_after_outage(bot: BotHarness, *, until: float, timeout: float = 120.0) -> None:
    """Once the outage is over, everything owed goes out, each row at its next retry (a
    retry's backoff is not the bot being busy: `idle()` does not wait for it)."""
    try:
        eventually(
            lambda: time.monotonic() > until and not owed(bot),
            timeout=timeout,
            what="everything owed delivered after the outage",
        )
    except AssertionError as error:
        still = [(d.kind, d.status) for d in owed(bot)]
        raise AssertionError(f"{error}; still owed: {still}") from None
    bot.idle()


def file_during_outage(bot: BotHarness, *, user: str, **fields: Any) -> HttpResult:
    view = open_filing(bot, user=user)
    return submit(bot, Callback.file, view, filing_values(**fields), user=user)


def cards_of(bot: BotHarness, number: int) -> list[dict[str, Any]]:
    return [
        message
        for message in bot.fake.messages(INTAKE_CHANNEL)
        if message.get("text", "").startswith(f"REQ-{number}:")
        and message.get("thread_ts") in (None, message["ts"])  # a card, not a reply under one
    ]


@pytest.fixture
def every_domain(fake_slack: FakeSlack) -> None:
    """The channels of a project and of the wins, besides intake's."""
    fake_slack.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    fake_slack.add_channel(channel_id=WINS_CHANNEL, name="wins")


def test_a_sixty_second_outage_delays_every_message_and_loses_or_doubles_none(
    bot: BotHarness, every_domain: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, capacity=20)  # 4 h of run a working day
    configure(bot)  # the celebration channel
    mine = file_request(bot, title="Rename a picklist value", impact="nice_to_have")
    act(bot, Action.accept, Callback.accept, mine, accept_values(hours="4", size=None))
    create_project(bot)
    checkin = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    win_modal = open_win_modal(bot)
    bot.idle()
    told_before = reload(bot, mine.id).eta_told
    assert told_before is not None
    u1_before, u2_before = len(dm_texts(bot, "U1")), len(dm_texts(bot, "U2"))

    bot.fake.outage(SLACK_WRITES, OUTAGE_SECONDS, mode="5xx")
    ends = time.monotonic() + OUTAGE_SECONDS
    answers = [
        file_during_outage(
            bot,
            user="U2",
            title="Quote for a deal",
            need="The customer signs on Friday",
            impact="blocks_deal",
            beneficiary="customers",
        ),
        file_during_outage(bot, user="U1", title="Territory map", need="Who owns Benelux"),
    ]
    with bot.session() as session:
        deal, territory = session.scalars(
            select(IntakeRequest)
            .where(IntakeRequest.number.in_([2, 3]))
            .order_by(IntakeRequest.number)
        ).all()
    # Accepting the deal (16 h, more important) moves my request's ETA later.
    answers.append(
        act(bot, Action.accept, Callback.accept, deal, accept_values(hours="16", size=None))
    )
    # A project update (the check-in card is replaced) and a win recorded by hand.
    opened = len(bot.fake.calls("views.open"))
    answers.append(click_project(bot, checkin, ProjectAction.post_update))
    update_modal = project_last_view(bot, opened + 1)
    answers.append(
        submit_project(bot, update_modal, update_values(bot, win_rate="24", france="live"))
    )
    answers.append(
        bot.submit(
            WinCallback.modal,
            win_form(winners=["U1", "U2"], title="ACME signs for 3 years"),
            private_metadata=win_modal["private_metadata"],
        )
    )
    assert all(answer.status == 200 and answer.elapsed < 3.0 for answer in answers), [
        (answer.status, round(answer.elapsed, 2)) for answer in answers
    ]
    # What the bot can do while Slack is down is done; what is owed waits for its retry.
    bot.idle()
    assert ack_errors(answers[-2]) == {}  # the update form closed: the update is stored
    assert reload(bot, deal.id).status == Status.accepted
    moved_to = reload(bot, mine.id).eta_told
    assert moved_to is not None and moved_to > told_before
    assert bot.fake.calls("chat.postMessage", ok=False)  # Slack did refuse meanwhile
    assert len(cards_of(bot, 2)) == len(cards_of(bot, 3)) == 0
    assert bot.fake.messages(WINS_CHANNEL) == []

    delivered_after_outage(bot, until=ends)

    # Every card once; every card's ts known.
    assert len(cards_of(bot, 2)) == len(cards_of(bot, 3)) == 1
    for request in (mine, deal, territory):
        assert reload(bot, request.id).card_ts
    # My card shows the date it moved to (refreshed although nobody acted on it).
    mine_card = next(
        m for m in bot.fake.messages(INTAKE_CHANNEL) if m["ts"] == reload(bot, mine.id).card_ts
    )
    assert f"ETA: {EN.channel_day(moved_to)}" in blocks_text(mine_card["blocks"])
    # Receipts, the acceptance and the ETA news: each once.
    u1 = dm_texts(bot, "U1")[u1_before:]
    u2 = dm_texts(bot, "U2")[u2_before:]
    assert len([text for text in u1 if "REQ-3" in text]) == 1  # the receipt
    assert len([text for text in u1 if "REQ-1" in text and "more important" in text]) == 1
    assert len([text for text in u2 if "REQ-2" in text]) == 2, u2  # receipt, then accepted
    # The note in the deal's thread, once.
    deal_ts = reload(bot, deal.id).card_ts
    notes = [
        m
        for m in bot.fake.messages(INTAKE_CHANNEL)
        if m.get("thread_ts") == deal_ts and m["ts"] != deal_ts
    ]
    assert len([m for m in notes if "accepted the request" in m.get("text", "")]) == 1
    # The project update replaced its check-in card, once; the win was posted once, with its 🎉.
    shown = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == checkin["ts"])
    assert "CPQ roll-out: At risk" in all_text(shown["blocks"])
    assert len([m for m in bot.fake.messages(PROJECT_CHANNEL) if "At risk" in m["text"]]) == 1
    (win_post,) = bot.fake.messages(WINS_CHANNEL)
    assert "ACME signs for 3 years" in json.dumps(win_post["blocks"])
    assert [r["name"] for r in win_post.get("reactions", [])] == ["tada"]
    # Home tabs show the final state.
    assert "REQ-3" in blocks_text(bot.fake.home_of("U1")["blocks"])
    u2_home = blocks_text(bot.fake.home_of("U2")["blocks"])
    assert "REQ-2" in u2_home and "Acceptée" in u2_home  # U2 reads French

    # A button pressed on a card posted after the outage updates that card.
    updates = len([c for c in bot.fake.calls("chat.update", ok=True) if c.args["ts"] == deal_ts])
    assert click(bot, Action.start, reload(bot, deal.id), user=REVOPS_MEMBER).status == 200
    bot.idle()
    after = [c for c in bot.fake.calls("chat.update", ok=True) if c.args["ts"] == deal_ts]
    assert len(after) == updates + 1
    assert "In progress" in blocks_text(after[-1].args["blocks"])


def test_a_card_slack_posted_without_answering_is_posted_once_and_its_ts_kept(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    bot.fake.lose_answer_next("chat.postMessage")  # the card: posted, the answer lost
    answer = file_during_outage(bot, user="U1", title="Pipeline by region")
    assert answer.status == 200
    # The card whose answer was lost is retried after a backoff: found in Slack, not reposted.
    eventually(lambda: not owed(bot), timeout=30, what="nothing owed any more")
    bot.idle()
    assert len(cards_of(bot, 1)) == 1
    with bot.session() as session:
        request = session.scalars(select(IntakeRequest)).one()
    assert request.card_ts == cards_of(bot, 1)[0]["ts"]
    assert len([text for text in dm_texts(bot, "U1") if "REQ-1" in text]) == 1


def test_admins_see_messages_that_wait_for_slack_for_over_a_minute(bot: BotHarness) -> None:
    set_up_intake(bot)
    bot.fake.outage(["chat.postMessage"], 30, mode="error", error="service_unavailable")
    assert file_during_outage(bot, user="U1", title="Pipeline by region").status == 200
    bot.idle()
    # Owed two minutes ago (as if the outage had lasted that long), still not taken by Slack.
    with bot.session() as session:
        for row in session.scalars(select(Delivery).where(Delivery.kind == "intake-card")):
            row.due_at = row.due_at - timedelta(minutes=2)
    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    bot.idle()
    home = blocks_text(bot.fake.home_of("UADMIN")["blocks"])
    assert "1 message waits for Slack" in home
    assert "service_unavailable" in home
    bot.fake.end_outage()
