"""Challenge end to end: ask why (answered by button or in the thread), self-service, decline,
and the refusals: stale buttons, double clicks, people outside the RevOps team."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.intake.ids import Action, Block, Callback
from bot.intake.models import RequestEvent, Status
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_MEMBER,
    accept_values,
    act,
    blocks_text,
    card_of,
    card_updates,
    click,
    file_request,
    note,
    open_modal,
    reload,
    set_up_intake,
    submit,
    thread_posts,
    value,
    wait_for_dm,
)


def events_of(bot: BotHarness, request_id: int) -> list[tuple[str | None, str]]:
    with bot.session() as session:
        return [
            (e.from_status, e.to_status)
            for e in session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.id)
            )
        ]


def test_ask_why_then_the_requester_answers_with_the_button(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    answer = act(
        bot,
        Action.ask_why,
        Callback.ask_why,
        request,
        note("What decision will the dashboard support?"),
    )
    assert answer.status == 200 and not answer.body  # the modal closes

    question = wait_for_dm(bot, "U1", "asks about your request REQ-1")
    assert "<@U3>" in question
    (thread,) = thread_posts(bot, request)
    assert "What decision will the dashboard support?" in blocks_text(thread.args["blocks"])
    assert "Waiting on requester" in blocks_text(card_of(bot, request)["blocks"])
    stored = reload(bot, request.id)
    assert stored.status == Status.waiting and stored.first_response_at is not None

    # The requester clicks "Answer" in the DM and replies in a modal.
    dm = next(m for m in bot.fake.dms_to("U1") if "asks about" in m["text"])
    before = len(bot.fake.calls("views.open"))
    bot.action(
        Action.answer_question, value(request.id), user_id="U1", channel_id="DU1", message=dm
    )
    view = bot.fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    assert "What decision" in blocks_text(view["blocks"])
    submit(bot, Callback.answer_question, view, note("The QBR on Monday"), user="U1")

    reply = wait_for_dm(bot, REVOPS_MEMBER, "answered your question on REQ-1")
    assert reply
    assert "The QBR on Monday" in blocks_text(
        [b for c in thread_posts(bot, request) for b in c.args["blocks"]]
    )
    assert reload(bot, request.id).status == Status.new
    assert events_of(bot, request.id)[1:] == [
        (Status.new, Status.waiting),
        (Status.waiting, Status.new),
    ]


def test_an_answer_in_the_thread_counts_once_even_when_slack_retries(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    act(bot, Action.ask_why, Callback.ask_why, request, note("Who will use it?"))
    bot.idle()
    assert reload(bot, request.id).status == Status.waiting
    card_ts = reload(bot, request.id).card_ts
    reply = {
        "type": "message",
        "channel": INTAKE_CHANNEL,
        "channel_type": "channel",
        "user": "U1",
        "text": "The sales managers, every Monday",
        "ts": "1800000000.000200",
        "thread_ts": card_ts,
    }
    assert bot.event(reply, event_id="EvReply1").status == 200
    assert bot.event(reply, event_id="EvReply1", retry_num=1).status == 200
    wait_for_dm(bot, REVOPS_MEMBER, "answered your question")  # the bot is idle: both handled
    assert reload(bot, request.id).status == Status.new
    assert events_of(bot, request.id).count((Status.waiting, Status.new)) == 1

    # Someone else chatting in the thread changes nothing.
    bot.event({**reply, "user": "U2", "ts": "1800000000.000300", "text": "+1"})
    bot.idle()
    assert len(events_of(bot, request.id)) == 3


def test_self_service_and_decline_close_with_the_words_the_requester_reads(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    first = file_request(bot)
    second = file_request(bot, title="Custom export of all contacts")
    act(
        bot,
        Action.self_service,
        Callback.self_service,
        first,
        note("Open Reports > Pipeline and filter by region."),
    )
    act(bot, Action.decline, Callback.decline, second, note("Exports of all contacts break GDPR."))

    steps = wait_for_dm(bot, "U1", "you can do REQ-1")
    assert steps
    reason = wait_for_dm(bot, "U1", "was declined")
    assert "REQ-2" in reason
    dm_blocks = blocks_text([b for m in bot.fake.dms_to("U1") for b in m.get("blocks", [])])
    assert "Open Reports &gt; Pipeline" in dm_blocks and "break GDPR" in dm_blocks
    assert reload(bot, first.id).status == Status.self_service
    assert reload(bot, second.id).status == Status.declined
    assert card_updates(bot, second)
    assert not [b for b in card_of(bot, second)["blocks"] if b["type"] == "actions"]


def test_a_stale_button_or_a_double_click_changes_nothing_and_says_why(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    act(bot, Action.accept, Callback.accept, request, accept_values())
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted
    events = events_of(bot, request.id)

    modals = len(bot.fake.calls("views.open"))
    click(bot, Action.accept, request)  # the same card, clicked again
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args["text"] == "REQ-1 is already accepted: nothing was changed."
    bot.idle()
    assert len(bot.fake.calls("views.open")) == modals  # no second modal

    # A modal opened before someone else declined it: its submission is refused on the modal.
    request = file_request(bot, title="Second request")
    stale_view = open_modal(bot, Action.accept, request)
    act(bot, Action.decline, Callback.decline, request, note("Duplicate of REQ-1"))
    bot.idle()
    assert reload(bot, request.id).status == Status.declined
    late = submit(bot, Callback.accept, stale_view, accept_values(), user=REVOPS_MEMBER)
    assert late.json["response_action"] == "errors"
    assert "already declined" in late.json["errors"][Block.assignee]
    bot.idle()
    assert reload(bot, request.id).status == Status.declined
    assert events_of(bot, 1) == events


def test_only_the_revops_team_triages(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    click(bot, Action.accept, request, user="U2")
    (refusal,) = bot.fake.wait_for("response_url")
    assert "Seule l'équipe RevOps peut faire cela" in refusal.args["text"]  # U2 reads French
    bot.idle()
    assert bot.fake.calls("views.open", ok=True)[-1].args["view"]["callback_id"] == Callback.file
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == 1
