"""Duplicates among open requests, end to end through signed HTTP: shown while typing and on
submit, followed instead of filed (the watcher hears every move), merged from the card, and
"me too" moving a request up the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.intake import queue, report, watching
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import IntakeRequest, RequestEvent, RequestWatcher, Status, WatchVia
from bot.intake.state import FollowRef, MergeRef
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_MEMBER,
    accept_values,
    act,
    blocks_text,
    card_of,
    dm_texts,
    file_request,
    filing_values,
    note,
    open_filing,
    reload,
    set_up_intake,
    submit,
    thread_posts,
    wait_for_dm,
)
from tests.intake.test_home import open_home

COVERAGE = {
    "title": "Pipeline coverage by segment",
    "need": "Open pipeline against quota by segment, for the quarterly business review",
}
FOLLOWERS = ["U4", "U5", "U6", "U7", "U8"]


def add_followers(bot: BotHarness) -> None:
    for user in FOLLOWERS:
        bot.fake.add_user(user_id=user, real_name=f"Manager {user}", locale="en-US")


def count_requests(bot: BotHarness) -> int:
    with bot.session() as session:
        return session.scalar(select(func.count()).select_from(IntakeRequest)) or 0


def watchers(bot: BotHarness, request_id: int) -> list[tuple[str, str]]:
    with bot.session() as session:
        rows = session.scalars(
            select(RequestWatcher)
            .where(RequestWatcher.request_id == request_id)
            .order_by(RequestWatcher.id)
        ).all()
        return [(row.user_id, row.via) for row in rows]


def follow_button(view: dict[str, Any], request: IntakeRequest) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == f"intake_duplicate_{request.id}")
    button: dict[str, Any] = block["accessory"]
    assert button["action_id"] == f"{Action.follow}_{request.id}"
    return button


def follow_from_submit(bot: BotHarness, user: str, request: IntakeRequest) -> None:
    """`user` types what `request` asks, submits, sees it offered, and follows it."""
    view = open_filing(bot, user=user)
    values = filing_values(
        title="Pipeline coverage per segment", need="For my QBR: pipeline against quota"
    )
    shown = submit(bot, Callback.file, view, values, user=user)
    assert shown.json["response_action"] == "update"
    offered = shown.json["view"]
    assert "follow it instead?" in blocks_text(offered["blocks"])
    button = follow_button(offered, request)
    updates = len(bot.fake.calls("views.update"))
    bot.action(
        button["action_id"], button["value"], view={**offered, "id": view["id"]}, user_id=user
    )
    (*_, done) = bot.fake.wait_for("views.update", count=updates + 1)
    assert f"You follow *REQ-{request.number}*" in blocks_text(done.args["view"]["blocks"])


def test_a_duplicate_shown_while_typing_is_followed_and_its_watcher_hears_every_move(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    add_followers(bot)
    first = file_request(bot, **COVERAGE)
    act(bot, Action.accept, Callback.accept, first, accept_values(hours="4", size=None))
    wait_for_dm(bot, "U1", "is accepted")
    first = reload(bot, first.id)

    # U4 types the same need in other words: the open request appears with its status and ETA.
    view = open_filing(bot, user="U4")
    typed = "Pipeline coverage per segment for my QBR"
    bot.action(
        Block.request_title,
        typed,
        element_type="plain_text_input",
        block_id=Block.request_title,
        view=view,
        user_id="U4",
        state_values={Block.request_title: {Block.request_title: typed}},
    )
    (update,) = bot.fake.wait_for("views.update")
    shown = blocks_text(update.args["view"]["blocks"])
    assert "*REQ-1* “Pipeline coverage by segment”, Accepted, ETA " in shown
    assert "follow it instead?" in shown and "Matched: Pipeline, coverage, segment" in shown
    button = follow_button(update.args["view"], first)

    bot.action(
        button["action_id"],
        button["value"],
        view={**update.args["view"], "id": view["id"]},
        user_id="U4",
    )
    (_, closing) = bot.fake.wait_for("views.update", count=2)
    assert "Nothing new was filed" in blocks_text(closing.args["view"]["blocks"])
    bot.idle()
    assert count_requests(bot) == 1  # one request in the queue
    assert watchers(bot, first.id) == [("U4", WatchVia.follow)]
    assert reload(bot, first.id).watcher_count == 1
    notes = [call.args["text"] for call in thread_posts(bot, first)]
    assert any("<@U4> needs this too" in text for text in notes)
    assert "Me too: 1 more person follows it" in blocks_text(card_of(bot, first)["blocks"])
    home = blocks_text(open_home(bot, "U4")["blocks"])
    assert "*Requests I follow*" in home and "*REQ-1* Pipeline coverage by segment" in home

    # Every move the requester hears of, the watcher hears of too, without the requester's
    # own buttons ("did this solve it?" is the requester's).
    act(bot, Action.done, Callback.done, first, note("Live in the BI tool."))
    wait_for_dm(bot, "U1", "is done")
    told = wait_for_dm(bot, "U4", "is done")
    assert told.startswith("News of REQ-1 “Pipeline coverage by segment”, which you follow")
    followed_done = next(m for m in bot.fake.dms_to("U4") if "is done" in m.get("text", ""))
    assert all(block["type"] != "actions" for block in followed_done["blocks"])
    requester_done = next(m for m in bot.fake.dms_to("U1") if "is done" in m.get("text", ""))
    assert any(block["type"] == "actions" for block in requester_done["blocks"])

    # Following twice, or following one's own request, changes nothing.
    follow_again = FollowRef(request_id=first.id).model_dump_json()
    bot.action(f"{Action.follow}_{first.id}", follow_again, view=view, user_id="U4")
    bot.idle()
    assert watchers(bot, first.id) == [("U4", WatchVia.follow)]


def test_a_duplicate_filed_anyway_is_merged_from_the_card_with_history_on_both(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    add_followers(bot)
    first = file_request(bot, **COVERAGE)
    second = file_request(
        bot,
        user="U4",
        title="Coverage of the pipeline by segment",
        need="Pipeline against quota by segment",
    )  # the helper submits again after seeing REQ-1: filed anyway
    assert second.number == 2 and second.duplicate_of_id == first.id
    card = card_of(bot, second)
    assert "Possible duplicate of *REQ-1* “Pipeline coverage by segment” (New)." in blocks_text(
        card["blocks"]
    )
    merge_value = MergeRef(request_id=second.id, into_id=first.id).model_dump_json()
    message = {"type": "message", "ts": reload(bot, second.id).card_ts, "text": ""}

    # Someone outside the RevOps team: refused where they are, nothing merged.
    bot.action(Action.merge, merge_value, user_id="U1", channel_id=INTAKE_CHANNEL, message=message)
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["response_type"] == "ephemeral"
    assert "Only the RevOps team can do this" in refusal.args["text"]
    bot.idle()
    assert reload(bot, second.id).status == Status.new

    bot.action(
        Action.merge, merge_value, user_id=REVOPS_MEMBER, channel_id=INTAKE_CHANNEL, message=message
    )
    bot.idle()
    merged = reload(bot, second.id)
    assert (merged.status, merged.merged_into_id) == (Status.merged, first.id)
    assert watchers(bot, first.id) == [("U4", WatchVia.merge)]
    assert reload(bot, first.id).watcher_count == 1
    told = wait_for_dm(bot, "U4", "merged it into REQ-1")
    assert told.startswith("Your request REQ-2 “Coverage of the pipeline by segment”")
    with bot.session() as session:
        events = session.execute(
            select(RequestEvent.request_id, RequestEvent.from_status, RequestEvent.to_status)
            .where(RequestEvent.note.is_not(None))
            .order_by(RequestEvent.id)
        ).all()
    assert [tuple(event) for event in events] == [
        (second.id, Status.new, Status.merged),
        (first.id, Status.new, Status.new),
    ]
    merged_card = blocks_text(card_of(bot, second)["blocks"])
    assert "Merged into REQ-1." in merged_card and "intake_accept" not in merged_card
    notes = [call.args["text"] for call in thread_posts(bot, first)]
    assert any("merged REQ-2 into this request" in text for text in notes)

    # A merged request is never offered again; the one it went into still is.
    with bot.session() as session:
        offered = watching.matching_requests(
            session=session, team_id="T1", text="Coverage of the pipeline by segment"
        )
    assert [match.request.id for match in offered] == [first.id]

    # The watcher hears the next move of REQ-1 as its requester does.
    act(bot, Action.accept, Callback.accept, first, accept_values(hours="2", size=None))
    assert wait_for_dm(bot, "U4", "is accepted").startswith("News of REQ-1")

    # The same button again: refused, nothing changes.
    bot.action(
        Action.merge, merge_value, user_id=REVOPS_MEMBER, channel_id=INTAKE_CHANNEL, message=message
    )
    (_, again) = bot.fake.wait_for("response_url", count=2)
    assert again.args["text"] == "REQ-2 was already merged: nothing was changed."


def test_me_too_moves_a_request_up_the_queue_and_the_run_report_counts_follows(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    add_followers(bot)
    for_me = file_request(bot, beneficiary="me", **COVERAGE)
    for_team = file_request(
        bot,
        user="U2",
        beneficiary="my_team",
        title="Lost reasons report",
        need="Why deals were lost last quarter",
    )
    with bot.session() as session:
        order = queue.ordering(session=session, team_id="T1")
        before = [r.id for r in queue.ranked_requests(session=session, team_id="T1", order=order)]
    assert before == [for_team.id, for_me.id]  # 15 × 1.3 = 19.5 before 15 × 1.0

    for user in FOLLOWERS:
        follow_from_submit(bot, user, for_me)
    bot.idle()
    assert count_requests(bot) == 2  # five drafts, nothing new filed
    followed = reload(bot, for_me.id)
    assert (followed.watcher_count, followed.base_score) == (5, 22.5)  # 15 × 1.5
    with bot.session() as session:
        order = queue.ordering(session=session, team_id="T1")
        after = [r.id for r in queue.ranked_requests(session=session, team_id="T1", order=order)]
        now = datetime.now(UTC)
        week = report.run_report(
            session=session, team_id="T1", start=now - timedelta(days=7), end=now
        )
    assert after == [for_me.id, for_team.id]
    assert week.avoided_by_following == 5
    home = blocks_text(open_home(bot, REVOPS_MEMBER)["blocks"])
    assert "Avoided by following an open request: *5*" in home
    assert "Me too: 5 more people follow it" in blocks_text(card_of(bot, for_me)["blocks"])
    assert dm_texts(bot, "U4") == []  # following says nothing until the request moves


def test_a_watcher_reads_the_news_addressed_to_a_follower_in_their_own_language(
    bot: BotHarness,
) -> None:
    """The requester reads "your request…"; a watcher reads the same news after the line
    naming the request they follow, addressed to a follower ("it is accepted"), in their
    Slack language, without the requester's buttons."""
    set_up_intake(bot)
    bot.fake.add_user(user_id="U4", real_name="Manager U4", locale="en-US")
    bot.fake.add_user(user_id="U9", real_name="Manon U9", locale="fr-FR")
    first = file_request(bot, **COVERAGE)
    view = open_filing(bot, user="U4")
    for user in ("U4", "U9"):
        follow = FollowRef(request_id=first.id).model_dump_json()
        bot.action(f"{Action.follow}_{first.id}", follow, view=view, user_id=user)
    bot.idle()
    assert [user for user, _ in watchers(bot, first.id)] == ["U4", "U9"]

    act(bot, Action.accept, Callback.accept, first, accept_values(hours="4", size=None))
    assert "Your request REQ-1" in wait_for_dm(bot, "U1", "is accepted")
    accepted = wait_for_dm(bot, "U4", "is accepted")
    assert accepted.startswith("News of REQ-1 “Pipeline coverage by segment”, which you follow")
    assert f"It is accepted; <@{REVOPS_MEMBER}> will handle it." in accepted
    french = wait_for_dm(bot, "U9", "acceptée")
    assert french.startswith("Nouvelles de REQ-1 « Pipeline coverage by segment », que vous")
    assert f"Elle est acceptée ; <@{REVOPS_MEMBER}> s'en charge." in french

    act(bot, Action.done, Callback.done, first, note("Live in the BI tool."))
    wait_for_dm(bot, "U1", "is done")
    done = next(m for m in bot.fake.dms_to("U4") if "It is done." in m.get("text", ""))
    assert "Live in the BI tool." in blocks_text(done["blocks"])
    assert all(block["type"] != "actions" for block in done["blocks"])
    assert any("Elle est terminée." in m.get("text", "") for m in bot.fake.dms_to("U9"))
    for user in ("U4", "U9"):
        heard = " ".join(m.get("text", "") for m in bot.fake.dms_to(user))
        assert "your request" not in heard.lower() and "votre demande" not in heard.lower()
