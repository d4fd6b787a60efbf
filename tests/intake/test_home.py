"""Intake in App Home (my requests, the paginated queue, admin settings), digest and gazette."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.i18n import translator_for
from bot.intake import configuration, filing
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import IntakeSettings, Status
from bot.intake.queue import PAGE_SIZE
from bot.scheduling.models import Schedule
from bot.sections import DigestReader, GazetteReader
from tests.harness import BotHarness
from tests.intake.helpers import (
    REVOPS_MEMBER,
    accept_values,
    act,
    blocks_text,
    card_of,
    dm_texts,
    file_request,
    last_view,
    reload,
    set_up_intake,
    submit,
    value,
)
from tests.slack.signing import state_value


def open_home(bot: BotHarness, user: str) -> dict:
    before = len([c for c in bot.fake.calls("views.publish") if c.args["user_id"] == user])
    bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
    calls = bot.fake.wait_for(
        "views.publish", count=before + 1, predicate=lambda c: c.args["user_id"] == user
    )
    assert calls[-1].ok, calls[-1].error
    return dict(calls[-1].response["view"])


def bulk_file(bot: BotHarness, count: int, requester: str = "U2", **changes: object) -> None:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "title": "Backlog item",
        "need": "Part of the backlog",
        "impact": "nice_to_have",
        "beneficiary": "me",
        "category": "other",
    }
    values.update(changes)
    with bot.session() as session:
        for index in range(count):
            filing.file_request(
                session=session,
                team_id="T1",
                requester_id=requester,
                filing=filing.Filing(**values),  # type: ignore[arg-type]
                view_id=f"bulk-{values['title']}-{index}",
                source_permalink=None,
                today=now.date(),
                now=now - timedelta(minutes=count - index),
            )


def test_everyone_sees_their_requests_and_a_button_to_file_one(bot: BotHarness) -> None:
    set_up_intake(bot)
    file_request(bot, title="My own dashboard")
    home = open_home(bot, "U1")
    text = blocks_text(home["blocks"])
    assert "My requests to RevOps" in text and "REQ-1" in text and "My own dashboard" in text
    assert Action.new_request in text
    assert "Run queue" not in text  # not on the RevOps team

    before = len(bot.fake.calls("views.open"))
    bot.action(Action.new_request, view=home, user_id="U1")
    opened = last_view(bot, count=before + 1)
    assert opened["callback_id"] == Callback.file


def test_the_revops_queue_of_500_requests_is_paginated_within_block_kit_limits(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    bulk_file(bot, 499)
    bulk_file(bot, 1, title="Deal blocker", impact="blocks_deal", beneficiary="customers")

    home = open_home(bot, REVOPS_MEMBER)
    assert len(home["blocks"]) <= 100
    text = blocks_text(home["blocks"])
    assert "*Run queue*: 500 open" in text
    assert f"Page 1 of {-(-500 // PAGE_SIZE)}" in text
    assert text.index("Deal blocker") < text.index("Backlog item")  # highest score first
    assert "Score" in text and "working day" in text

    bot.action(f"{Action.queue_page}_next", '{"page": 1}', view=home, user_id=REVOPS_MEMBER)
    bot.idle()
    page_two = bot.fake.home_of(REVOPS_MEMBER)
    assert page_two and "Page 2 of" in blocks_text(page_two["blocks"])
    assert "Deal blocker" not in blocks_text(page_two["blocks"])

    # The queue carries the card's actions.
    accept = next(
        element
        for block in page_two["blocks"]
        if block["type"] == "actions" and block.get("block_id", "").startswith("intake_actions_")
        for element in block["elements"]
        if element["action_id"] == Action.accept
    )
    before = len(bot.fake.calls("views.open"))
    bot.action(Action.accept, accept["value"], view=page_two, user_id=REVOPS_MEMBER)
    assert last_view(bot, count=before + 1)["callback_id"] == Callback.accept


def test_admins_edit_the_settings_in_a_modal_with_errors_on_bad_fields(bot: BotHarness) -> None:
    set_up_intake(bot)
    bot.fake.add_channel(channel_id="CNEW", name="new-intake", is_member=False)
    home = open_home(bot, "UADMIN")
    assert "Intake settings" in blocks_text(home["blocks"])
    bot.action(Action.open_settings, view=home, user_id="UADMIN")
    (update,) = bot.fake.wait_for("views.update")
    view = update.response["view"]
    assert view["callback_id"] == Callback.settings
    assert "revops" in blocks_text(view["blocks"])  # the user groups to pick from

    def values(capacity: str, auto_close: str) -> dict:
        return {
            Block.channel: {Block.channel: state_value("conversations_select", "CNEW")},
            Block.revops_group: {Block.revops_group: state_value("static_select", "SREVOPS")},
            Block.who_may_file: {Block.who_may_file: state_value("radio_buttons", "everyone")},
            Block.capacity: {Block.capacity: capacity},
            Block.sla: {Block.sla: "2"},
            Block.reminder: {Block.reminder: "3"},
            Block.auto_close: {Block.auto_close: auto_close},
            Block.holidays: {Block.holidays: "2026-12-25"},
            Block.rollouts: {Block.rollouts: "E-signature"},
        }

    refused = submit(bot, Callback.settings, view, values("lots", "2"), user="UADMIN")
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {Block.capacity, Block.auto_close}

    saved = submit(bot, Callback.settings, view, values("12", "8"), user="UADMIN")
    assert saved.status == 200 and not saved.body
    assert bot.fake.calls("conversations.join")[-1].args["channel"] == "CNEW"
    bot.idle()
    assert _capacity(bot) == 12
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        assert settings is not None
        assert (settings.intake_channel_id, settings.run_capacity_hours) == ("CNEW", 12)
        assert settings.first_response_sla_days == 2
        assert [r.name for r in configuration.active_rollouts(session=session, team_id="T1")] == [
            "E-signature"
        ]
        schedule = session.scalars(
            select(Schedule).where(Schedule.kind == "intake-run-report")
        ).one()
        assert schedule.recipient == "CNEW"


def test_only_admins_open_the_settings(bot: BotHarness) -> None:
    set_up_intake(bot)
    home = open_home(bot, "U1")
    bot.action(Action.open_settings, view=home, user_id="U1")
    (notice,) = bot.fake.wait_for("views.open")
    assert "Only workspace admins" in blocks_text(notice.args["view"]["blocks"])


def test_digest_and_gazette_sections_tell_the_week_of_the_run(bot: BotHarness) -> None:
    set_up_intake(bot)
    file_request(bot, title="Open request of mine")
    services = bot.runtime.services
    assert "intake" in services.sections.digest.names()
    assert "run" in services.sections.gazette.names()
    now = datetime.now(UTC)
    t = translator_for("en-US")
    member = services.directory.member(services.clients.for_team("T1"), team_id="T1", user_id="U1")
    with bot.session() as session:
        reader = DigestReader(
            session=session,
            team_id="T1",
            member=member,
            t=t,
            now=now,
            week_start=now.date() - timedelta(days=6),
            week_end=now.date(),
        )
        digest = dict(services.sections.digest.render(reader))["intake"]
        assert "Open request of mine" in blocks_text(digest)
        gazette_reader = GazetteReader(
            session=session,
            team_id="T1",
            t=t,
            now=now,
            week_start=now.date() - timedelta(days=6),
            week_end=now.date(),
        )
        assert dict(services.sections.gazette.render(gazette_reader))["run"] == []  # nothing yet


def _capacity(bot: BotHarness) -> int | None:
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        return settings.run_capacity_hours if settings else None


def test_a_requester_withdraws_from_their_home_and_the_card_says_so(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot, title="Not needed after all")
    home = open_home(bot, "U1")
    withdraw = next(
        element
        for block in home["blocks"]
        if block.get("block_id") == "intake_my_requests"
        for element in block["elements"]
    )
    assert withdraw["text"]["text"] == "Withdraw REQ-1"
    bot.action(withdraw["action_id"], withdraw["value"], view=home, user_id="U1")
    bot.idle()
    assert reload(bot, request.id).status == Status.withdrawn
    assert "Withdrawn" in blocks_text(card_of(bot, request)["blocks"])

    # Someone else's request cannot be withdrawn by them.
    other = file_request(bot, user="U2", title="Theirs")
    bot.action(withdraw["action_id"], value(other.id), view=home, user_id="U1")
    (notice,) = bot.fake.wait_for(
        "views.open",
        predicate=lambda c: "Only the person who filed" in blocks_text(c.args["view"]["blocks"]),
    )
    assert "REQ-2" in blocks_text(notice.args["view"]["blocks"])
    assert reload(bot, other.id).status == Status.new


def test_revops_members_see_the_run_of_the_week_and_group_changes_apply_at_once(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    home = open_home(bot, REVOPS_MEMBER)
    assert "The run, last 7 days" in blocks_text(home["blocks"])
    assert "Run queue" not in blocks_text(open_home(bot, "U1")["blocks"])

    # U1 joins the RevOps group: Slack says so, the next Home render shows the queue.
    bot.fake.add_usergroup(usergroup_id="SREVOPS", handle="revops", users=[REVOPS_MEMBER, "U1"])
    bot.event(
        {
            "type": "subteam_members_changed",
            "subteam_id": "SREVOPS",
            "team_id": "T1",
            "added_users": ["U1"],
            "removed_users": [],
        }
    )
    bot.idle()
    assert "U1" in _revops_snapshot(bot)
    assert "Run queue" in blocks_text(open_home(bot, "U1")["blocks"])


def _revops_snapshot(bot: BotHarness) -> list[str]:
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        return list(settings.revops_member_ids) if settings else []


def test_a_requester_withdraws_an_accepted_request_from_home_and_etas_behind_move_up(
    bot: BotHarness,
) -> None:
    set_up_intake(bot, capacity=20)
    mine = file_request(bot, title="Not needed any more", impact="blocks_deal")
    act(bot, Action.accept, Callback.accept, mine, accept_values(hours="8", size=None))
    theirs = file_request(bot, user="U2", title="Behind it", impact="nice_to_have")
    act(bot, Action.accept, Callback.accept, theirs, accept_values(hours="4", size=None))
    bot.idle()
    assert reload(bot, theirs.id).eta_told is not None
    told_before = reload(bot, theirs.id).eta_told
    home = open_home(bot, "U1")
    withdraw = next(
        element
        for block in home["blocks"]
        if block.get("block_id") == "intake_my_requests"
        for element in block["elements"]
    )
    assert withdraw["text"]["text"] == "Withdraw REQ-1"  # accepted, and still theirs to drop
    bot.action(withdraw["action_id"], withdraw["value"], view=home, user_id="U1")
    bot.idle()
    assert reload(bot, mine.id).status == Status.withdrawn
    assert "Withdrawn" in blocks_text(card_of(bot, mine)["blocks"])
    # The request behind it is now expected two working days earlier, and U2 hears of it.
    assert (reload(bot, theirs.id).eta_told or told_before) < told_before
    assert len([t for t in dm_texts(bot, "U2") if "REQ-2" in t]) == 3


def test_a_requester_with_many_open_requests_is_told_how_many_more_there_are(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    bulk_file(bot, 12, requester="U1", title="Mine")
    home = blocks_text(open_home(bot, "U1")["blocks"])
    assert "REQ-1 " in home.replace("*", "") and "REQ-10 " in home.replace("*", "")
    assert "REQ-11" not in home and "REQ-12" not in home
    assert "…and 2 more open requests, filed after these." in home
