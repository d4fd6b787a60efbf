"""Filing a request end to end: command, shortcut, modal errors, who may file, retries."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.intake.ids import Block, Callback, Shortcut
from bot.intake.models import IntakeRequest, RequestEvent, Status
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    MANAGERS_GROUP,
    blocks_text,
    card_posts,
    dm_texts,
    file_request,
    filing_values,
    open_filing,
    set_up_intake,
    submit,
)


def count_requests(bot: BotHarness) -> int:
    with bot.session() as session:
        return session.scalar(select(func.count()).select_from(IntakeRequest)) or 0


def test_the_command_opens_a_prefilled_modal_and_filing_posts_a_card_and_a_receipt(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    view = open_filing(bot, text="Pipeline by region dashboard\nfor the QBR with managers")
    title = next(b for b in view["blocks"] if b.get("block_id") == Block.request_title)
    assert title["element"]["initial_value"] == "Pipeline by region dashboard"

    response = submit(bot, Callback.file, view, filing_values())
    # The request is stored before the answer: the modal turns into the confirmation at once.
    assert response.json["response_action"] == "update"
    assert "*REQ-1* is filed" in blocks_text(response.json["view"]["blocks"])
    bot.idle()
    (card,) = card_posts(bot)
    assert "REQ-1" in card.args["text"]
    buttons = [
        element["text"]["text"]
        for block in card.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons == ["Accept", "Ask why", "Answer with a doc", "Suggest self-service", "Decline"]
    (receipt,) = [text for text in dm_texts(bot, "U1") if "REQ-1" in text]
    assert "will answer by" in receipt and "at the latest" in receipt
    assert "Your ETA will follow once the team accepts it" in receipt

    with bot.session() as session:
        request = session.scalars(select(IntakeRequest)).one()
        assert (request.number, request.status, request.requester_id) == (1, Status.new, "U1")
        assert request.card_channel_id == INTAKE_CHANNEL and request.card_ts
        events = session.scalars(select(RequestEvent)).all()
        assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
            (None, Status.new, "U1")
        ]

    second = file_request(bot, user="U2", title="Access to the CPQ sandbox", category="tool_access")
    assert second.number == 2


def test_bad_input_is_shown_on_the_fields_and_nothing_is_stored(bot: BotHarness) -> None:
    set_up_intake(bot)
    view = open_filing(bot)
    response = submit(
        bot,
        Callback.file,
        view,
        filing_values(title="x" * 3000, need="", wished_date="2020-01-01", link="see my email"),
    )
    assert response.json["response_action"] == "errors"
    errors = response.json["errors"]
    assert set(errors) == {Block.request_title, Block.need, Block.wished_date, Block.link}
    assert "under 150 characters" in errors[Block.request_title]
    assert "required" in errors[Block.need]
    assert "from today" in errors[Block.wished_date]
    assert "not a link" in errors[Block.link]
    assert count_requests(bot) == 0
    assert card_posts(bot) == []
    assert bot.fake.dms_to("U1") == []


def test_a_3000_character_text_opens_a_modal_slack_accepts(bot: BotHarness) -> None:
    set_up_intake(bot)
    view = open_filing(bot, text="Export " + "all the opportunities " * 150)
    title = next(b for b in view["blocks"] if b.get("block_id") == Block.request_title)
    assert len(title["element"]["initial_value"]) <= 150
    assert bot.fake.calls("views.open", ok=False) == []


def test_a_double_submit_and_a_slack_retry_file_once(bot: BotHarness) -> None:
    set_up_intake(bot)
    view = open_filing(bot)
    for retry in (None, None, 1):
        response = submit(bot, Callback.file, view, filing_values(), retry_num=retry)
        assert response.status == 200
        assert "*REQ-1* is filed" in blocks_text(response.json["view"]["blocks"])
    bot.idle()
    assert count_requests(bot) == 1
    assert len(card_posts(bot)) == 1
    assert len(bot.fake.dms_to("U1")) == 1


def test_only_managers_file_when_restricted_and_others_learn_who_can(bot: BotHarness) -> None:
    set_up_intake(bot, who_may_file="usergroups", filer_usergroup_ids=[MANAGERS_GROUP])
    response = bot.command("/revops-request", "Export my accounts", user="U1")
    assert response.status == 200
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["response_type"] == "ephemeral"
    assert f"<!subteam^{MANAGERS_GROUP}>" in refusal.args["text"]
    assert "<@U2>" in refusal.args["text"]  # a manager who can file it for them
    bot.idle()
    assert bot.fake.calls("views.open") == []

    request = file_request(bot, user="U2")
    assert request.requester_id == "U2"


def test_the_message_shortcut_prefills_the_text_and_keeps_the_permalink(bot: BotHarness) -> None:
    set_up_intake(bot)
    ts = bot.fake.add_message("C1", "Can someone give me the churn numbers by segment?", user="U2")
    response = bot.shortcut(
        Shortcut.from_message,
        {"ts": ts, "text": "Can someone give me the churn numbers by segment?", "user": "U2"},
        user_id="U1",
    )
    assert response.status == 200
    opened = bot.fake.wait_for("views.open")[0].response["view"]
    need = next(b for b in opened["blocks"] if b.get("block_id") == Block.need)
    assert "churn numbers" in need["element"]["initial_value"]
    (updated,) = bot.fake.wait_for("views.update")
    view = updated.response["view"]
    assert "archives/C1/p" in blocks_text(view["blocks"])

    submit(bot, Callback.file, view, filing_values(title="Churn by segment"))
    bot.idle()
    (card,) = card_posts(bot)
    assert "Original message" in blocks_text(card.args["blocks"])
    with bot.session() as session:
        request = session.scalars(select(IntakeRequest)).one()
        assert request.source_permalink and "archives/C1/p" in request.source_permalink


def test_every_text_input_stops_typing_where_the_validation_refuses(bot: BotHarness) -> None:
    from bot.intake.inputs import LINK_MAX, NEED_MAX, TITLE_MAX

    set_up_intake(bot)
    view = open_filing(bot, text="Export " + "all the opportunities " * 150)
    limits = {
        b["block_id"]: b["element"].get("max_length")
        for b in view["blocks"]
        if b.get("element", {}).get("type") == "plain_text_input"
    }
    assert limits == {Block.request_title: TITLE_MAX, Block.need: NEED_MAX, Block.link: LINK_MAX}
    need = next(b for b in view["blocks"] if b.get("block_id") == Block.need)
    assert len(need["element"]["initial_value"]) <= NEED_MAX
