"""Creating a project through `/revops-project new`, and the bad input it refuses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.projects.ids import ProjectAction
from bot.projects.models import Kpi, Milestone, Project, ProjectMember, RolloutLine
from bot.scheduling.models import Schedule
from tests.harness import BotHarness
from tests.projects.helpers import (
    OWNER_TZ,
    PROJECT_CHANNEL,
    ack_errors,
    all_text,
    called,
    create_project,
    open_create_modal,
    project_values,
    submit,
    text,
    today,
)
from tests.slack import signing
from tests.slack.signing import state_value


def test_create_a_project_with_kpis_and_milestones(bot: BotHarness) -> None:
    announcement = create_project(bot)

    shown = all_text(announcement["blocks"])
    assert "New project *CPQ roll-out*" in shown and "<@U1>" in shown
    assert "Win rate" in shown and "GO/NO-GO Germany" in shown and "France" in shown
    with bot.session() as session:
        project = session.scalar(select(Project))
        assert project is not None
        assert (project.name, project.owner_id, project.channel_id, project.phase) == (
            "CPQ roll-out",
            "U1",
            PROJECT_CHANNEL,
            "pilot",
        )
        assert project.tz == OWNER_TZ  # check-ins follow the owner's time zone
        kpi = session.scalar(select(Kpi))
        assert kpi is not None
        assert (kpi.name, kpi.unit, kpi.baseline, kpi.target, kpi.direction) == (
            "Win rate",
            "%",
            20.0,
            30.0,
            "up",
        )
        milestone = session.scalar(select(Milestone))
        assert milestone is not None and milestone.is_decision and milestone.remind_days_before == 3
        lines = session.scalars(select(RolloutLine.name).order_by(RolloutLine.position)).all()
        assert lines == ["France", "Germany"]
        assert session.scalars(select(ProjectMember.user_id)).all() == ["U2"]
        schedule = session.scalar(select(Schedule).where(Schedule.kind == "project-checkin"))
        assert schedule is not None
        assert (schedule.weekday, schedule.hour, schedule.tz, schedule.recipient) == (
            1,
            10,
            OWNER_TZ,
            PROJECT_CHANNEL,
        )


def _nothing_stored(bot: BotHarness) -> None:
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0
        assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(bot: BotHarness) -> None:
    view = open_create_modal(bot)
    values = project_values(
        **{
            "kpis.0.target": text("20"),  # equal to the baseline
            "milestones.0.due_date": state_value(
                "datepicker", (today() - timedelta(days=3)).isoformat()
            ),
            "target_end_date": state_value("datepicker", (today() - timedelta(days=1)).isoformat()),
            "kpis.0.baseline": text("twenty"),
        }
    )
    errors = ack_errors(submit(bot, view, values))

    assert set(errors) == {"kpis.0.baseline", "milestones.0.due_date", "target_end_date"}
    assert "number" in errors["kpis.0.baseline"]
    assert "before the project starts" in errors["milestones.0.due_date"]
    assert "after the start date" in errors["target_end_date"]
    errors = ack_errors(submit(bot, view, project_values(**{"kpis.0.target": text("20")})))
    assert errors == {
        "kpis.0.target": "The target must differ from the baseline, or there is nothing to reach."
    }
    _nothing_stored(bot)


def test_a_public_channel_the_bot_is_not_in_is_offered_then_joined(bot: BotHarness) -> None:
    view = open_create_modal(bot)
    outside = state_value("conversations_select", "COUT")

    errors = ack_errors(submit(bot, view, project_values(channel=outside)))

    assert "not in #sales-ops" in errors["channel"] and "Let the bot join" in errors["channel"]
    assert bot.fake.calls("conversations.join") == []
    _nothing_stored(bot)

    agreed = project_values(channel=outside, join=state_value("checkboxes", ["join"]))
    assert ack_errors(submit(bot, view, agreed)) == {}
    (join,) = called(bot, "conversations.join")
    assert join.args["channel"] == "COUT"
    called(bot, "chat.postMessage", predicate=lambda call: call.args["channel"] == "COUT")


def test_a_private_channel_the_bot_is_not_in_explains_how_to_invite_it(bot: BotHarness) -> None:
    view = open_create_modal(bot)
    private = state_value("conversations_select", "CPRIV")

    errors = ack_errors(
        submit(bot, view, project_values(channel=private, join=state_value("checkboxes", ["join"])))
    )

    assert "/invite @RevOps bot" in errors["channel"]
    assert bot.fake.calls("conversations.join") == []
    _nothing_stored(bot)


def test_a_second_project_with_the_same_name_is_refused(bot: BotHarness) -> None:
    create_project(bot)
    view = open_create_modal(bot, name="cpq ROLL-OUT")
    errors = ack_errors(submit(bot, view, project_values(name=text("cpq   ROLL-OUT"))))
    assert errors == {"name": "A project named “cpq ROLL-OUT” already exists."}


def test_french_users_get_a_french_modal_and_french_errors(bot: BotHarness) -> None:
    view = open_create_modal(bot, user="U2")
    assert view["title"]["text"] == "Nouveau projet"
    errors = ack_errors(
        submit(bot, view, project_values(**{"kpis.0.target": text("20")}), user="U2")
    )
    assert "cible" in errors["kpis.0.target"]


def test_add_a_kpi_slot_rebuilds_the_modal_with_one_more_kpi(bot: BotHarness) -> None:
    view = open_create_modal(bot)
    add = next(b for b in view["blocks"] if b.get("block_id") == "add_kpi")["elements"][0]
    bot.action(add["action_id"], add["value"], view=view)
    (update,) = called(bot, "views.update")
    block_ids = {block.get("block_id") for block in update.args["view"]["blocks"]}
    assert {"kpis.0.target", "kpis.1.target"} <= block_ids
    assert '"kpis":2' in update.args["view"]["private_metadata"]


def test_members_can_come_from_a_user_group(bot: BotHarness) -> None:
    bot.fake.add_usergroup(usergroup_id="S1", handle="sales-fr", users=["U2", "UADMIN"])
    bot.fake.add_usergroup(usergroup_id="S2", handle="support", users=["U1"])
    view = open_create_modal(bot)

    answer = bot.post_slack(signing.block_suggestion(ProjectAction.usergroup, "sal", view=view))
    assert answer.status == 200
    assert [option["value"] for option in answer.json["options"]] == ["S1"]

    create_project(bot, project_usergroup=state_value("external_select", "S1"))
    with bot.session() as session:
        members = session.execute(
            select(ProjectMember.user_id, ProjectMember.via_group).order_by(ProjectMember.user_id)
        ).all()
    assert [tuple(row) for row in members] == [("U2", False), ("UADMIN", True)]


def test_a_rate_limited_channel_check_does_not_hold_up_the_ack(bot: BotHarness) -> None:
    view = open_create_modal(bot)
    # conversations.info answers 429 (Retry-After: 1 s) three times: waiting them out before
    # the ack would take Slack's 3 seconds.
    bot.fake.fail_next("conversations.info", error="ratelimited", status=429, times=3)

    result = submit(bot, view, project_values())

    assert ack_errors(result) == {} and result.elapsed < 2.0
    called(
        bot,
        "chat.postMessage",
        predicate=lambda call: call.ok and call.args["channel"] == PROJECT_CHANNEL,
    )
    assert "New project *CPQ roll-out*" in bot.fake.messages(PROJECT_CHANNEL)[-1]["text"]
    assert [call.error for call in bot.fake.calls("conversations.info")] == [
        "ratelimited",
        "ratelimited",
        "ratelimited",
        None,
    ]
    assert bot.fake.calls("conversations.join") == []
    with bot.session() as session:
        assert session.scalars(select(Project.name)).all() == ["CPQ roll-out"]


def test_the_bot_joins_a_public_channel_after_the_ack_once_the_project_is_stored(
    bot: BotHarness,
) -> None:
    view = open_create_modal(bot)
    bot.fake.fail_next("conversations.info", error="ratelimited", status=429)
    agreed = project_values(
        channel=state_value("conversations_select", "COUT"),
        join=state_value("checkboxes", ["join"]),
    )

    result = submit(bot, view, agreed)

    assert ack_errors(result) == {}
    (join,) = called(bot, "conversations.join")
    with bot.session() as session:
        project = session.scalar(select(Project))
        assert project is not None and project.channel_id == "COUT"
        assert project.created_at.timestamp() <= join.at
    called(bot, "chat.postMessage", predicate=lambda call: call.args["channel"] == "COUT")


def test_a_channel_found_closed_after_the_ack_keeps_the_project_and_says_how_to_invite_the_bot(
    bot: BotHarness,
) -> None:
    view = open_create_modal(bot)
    bot.fake.fail_next("conversations.info", error="ratelimited", status=429)

    result = submit(bot, view, project_values(channel=state_value("conversations_select", "CPRIV")))

    assert ack_errors(result) == {}  # Slack did not say in time: the form could not tell
    called(bot, "chat.postMessage", predicate=lambda c: c.args["channel"] == "U1")
    (notice,) = bot.fake.dms_to("U1")
    assert "*CPQ roll-out* is created" in notice["text"] and "/invite @RevOps bot" in notice["text"]
    assert bot.fake.calls("conversations.join") == []
    with bot.session() as session:
        assert session.scalar(select(Project.channel_id)) == "CPRIV"


def test_the_user_group_picker_asks_slack_once_a_minute_and_answers_when_it_is_rate_limited(
    bot: BotHarness,
) -> None:
    bot.fake.add_usergroup(usergroup_id="S1", handle="sales-fr", users=["U2"])
    bot.fake.add_usergroup(usergroup_id="S2", handle="support", users=["U1"])
    view = open_create_modal(bot)
    bot.fake.fail_next("usergroups.list", error="ratelimited", status=429)

    # The first keystroke finds Slack rate limited: an empty list at once, no wait.
    first = bot.post_slack(signing.block_suggestion(ProjectAction.usergroup, "s", view=view))
    assert first.status == 200 and first.json["options"] == [] and first.elapsed < 1.0
    answers = [
        bot.post_slack(signing.block_suggestion(ProjectAction.usergroup, typed, view=view))
        for typed in ("s", "su", "sup")
    ]

    assert [len(answer.json["options"]) for answer in answers] == [2, 1, 1]
    assert [call.error for call in bot.fake.calls("usergroups.list")] == ["ratelimited", None]
