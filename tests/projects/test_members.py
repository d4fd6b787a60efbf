"""Who takes part follows Slack: members of a project's user group, the owner's time zone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.intake.configuration import settings_of
from bot.intake.models import IntakeSettings
from bot.privacy.lifecycle import privacy_settings
from bot.projects.ids import ProjectAction
from bot.projects.models import Checkin, Project, ProjectMember
from bot.scheduling.models import Schedule
from bot.workspaces.models import Member
from tests.harness import BotHarness
from tests.projects.helpers import (
    CHECKIN,
    PROJECT_CHANNEL,
    TUESDAY,
    all_text,
    at_local,
    button,
    called,
    checkin_cards,
    create_project,
    fire_checkin,
    next_weekday,
    post_update,
    run_job,
    settled,
    today,
    update_values,
)
from tests.slack.signing import state_value


def home_of(bot: BotHarness, user: str) -> dict:
    def theirs(call) -> bool:  # type: ignore[no-untyped-def]
        return bool(call.args["user_id"] == user)

    published = len([call for call in bot.fake.calls("views.publish") if theirs(call)])
    bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
    calls = called(bot, "views.publish", count=published + 1, predicate=theirs)
    return calls[-1].args["view"]


def group_members(bot: BotHarness) -> list[str]:
    with bot.session() as session:
        return list(
            session.scalars(
                select(ProjectMember.user_id)
                .where(ProjectMember.via_group.is_(True))
                .order_by(ProjectMember.user_id)
            )
        )


def test_members_of_the_projects_user_group_follow_the_group(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.fake.add_usergroup(usergroup_id="S1", handle="sales-fr", users=["U2", "UADMIN"])
    bot.fake.add_user(user_id="U3", tz="Europe/Paris", locale="en-GB")
    create_project(bot, project_usergroup=state_value("external_select", "S1"))
    assert "CPQ roll-out" not in all_text(home_of(bot, "U3")["blocks"])

    # U3 joins the group and UADMIN leaves it; Slack tells the bot.
    bot.fake.add_usergroup(usergroup_id="S1", handle="sales-fr", users=["U2", "U3"])
    event = {
        "type": "subteam_members_changed",
        "subteam_id": "S1",
        "team_id": "T1",
        "added_users": ["U3"],
        "added_users_count": "1",
        "removed_users": ["UADMIN"],
        "removed_users_count": "1",
    }
    assert bot.event(event).status == 200
    assert settled(bot, lambda session: group_members(bot) == ["U3"])

    home = home_of(bot, "U3")
    assert "CPQ roll-out" in all_text(home["blocks"])
    assert "CPQ roll-out" not in all_text(home_of(bot, "UADMIN")["blocks"])
    assert button(home["blocks"], ProjectAction.post_update)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    update = post_update(bot, card, update_values(bot, win_rate="23"), user="U3")
    assert "Posted by <@U3>" in all_text(update["blocks"])
    with bot.session() as session:
        assert session.scalar(select(Checkin.posted_by)) == "U3"
    # U2 is named on the project too: leaving the group does not take them out.
    with bot.session() as session:
        named = session.get(ProjectMember, (session.scalar(select(Project.id)), "U2"))
        assert named is not None and not named.via_group


def test_check_ins_follow_the_owner_when_they_move_time_zone(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)  # U1 in New York, Tuesdays at 10:00
    moved = bot.fake.add_user(user_id="U1", tz="Europe/Paris", locale="en-US")
    assert bot.event({"type": "user_change", "user": moved}).status == 200

    def moved_to_paris(session) -> bool:  # type: ignore[no-untyped-def]
        schedule = session.scalar(select(Schedule).where(Schedule.kind == CHECKIN))
        return schedule is not None and schedule.tz == "Europe/Paris"

    assert settled(bot, moved_to_paris)
    with bot.session() as session:
        project = session.scalar(select(Project))
        assert project is not None and project.tz == "Europe/Paris"
    tuesday = next_weekday(TUESDAY, after=today() + timedelta(days=1))
    # 10:05 in New York is 16:05 in Paris: that slot is gone; 10:05 in Paris is the one.
    assert run_job(bot, CHECKIN, at_local(tuesday, 9, 30, tz="Europe/Paris"), monkeypatch) == 0
    assert checkin_cards(bot) == []
    assert run_job(bot, CHECKIN, at_local(tuesday, 10, 5, tz="Europe/Paris"), monkeypatch) == 0
    assert len(checkin_cards(bot)) == 1
    assert bot.fake.messages(PROJECT_CHANNEL)[-1]["text"].startswith("Check-in time")


def test_a_group_that_is_also_the_revops_and_the_admin_group_reaches_every_domain(
    bot: BotHarness,
) -> None:
    """One user group, three uses: the project's members, intake's RevOps team and the
    privacy admin group. Slack sends one `subteam_members_changed`: each domain follows it."""
    bot.fake.add_usergroup(usergroup_id="S1", handle="revops", users=["U2"])
    bot.fake.add_user(user_id="U3", tz="Europe/Paris", locale="en-GB")
    create_project(bot, project_usergroup=state_value("external_select", "S1"))
    with bot.session() as session:
        settings_of(session=session, team_id="T1").revops_usergroup_id = "S1"
        privacy_settings(session=session, team_id="T1").admin_usergroup_id = "S1"
    assert group_members(bot) == []  # U2 is named on the project as well

    bot.fake.add_usergroup(usergroup_id="S1", handle="revops", users=["U2", "U3"])
    event = {
        "type": "subteam_members_changed",
        "subteam_id": "S1",
        "team_id": "T1",
        "added_users": ["U3"],
        "added_users_count": "1",
        "removed_users": [],
        "removed_users_count": "0",
    }
    assert bot.event(event).status == 200
    bot.idle()

    assert group_members(bot) == ["U3"]  # projects
    with bot.session() as session:
        intake = session.get(IntakeSettings, "T1")
        assert intake is not None and sorted(intake.revops_member_ids or []) == ["U2", "U3"]
        admins = session.scalars(
            select(Member.user_id).where(Member.in_admin_group.is_(True)).order_by(Member.user_id)
        ).all()
        assert admins == ["U2", "U3"]  # privacy
