"""`/revops-project` (list, show one), the Home tab's "My projects", and "Celebrate it"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.projects.ids import ProjectAction
from bot.projects.models import Project, RolloutLine
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    at_local,
    button,
    called,
    click,
    create_project,
    last_view,
    next_weekday,
    run_job,
    submit,
    text,
    today,
)
from tests.slack.signing import state_value


def test_the_command_lists_projects_and_shows_one(bot: BotHarness) -> None:
    create_project(bot)

    bot.command("/revops-project", "")
    (listing,) = called(bot, "response_url")
    assert listing.args["response_type"] == "ephemeral"
    shown = all_text(listing.args["blocks"])
    assert "Active projects (1)" in shown and "*CPQ roll-out*" in shown
    assert button(listing.args["blocks"], ProjectAction.open)

    bot.command("/revops-project", "cpq")  # part of the name is enough when it is unique
    card = called(bot, "response_url", count=2)[-1]
    shown = all_text(card.args["blocks"])
    assert "Every quote goes through CPQ" in shown and "*KPIs*" in shown and "*Roll-out*" in shown
    assert button(card.args["blocks"], ProjectAction.post_update)

    bot.command("/revops-project", "payroll", user="U2")
    refusal = called(bot, "response_url", count=3)[-1]
    assert refusal.args["text"].startswith("Aucun projet")  # U2 reads French


def test_my_projects_on_the_home_tab(bot: BotHarness) -> None:
    create_project(bot)
    for user in ("U2", "UADMIN"):
        bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
    member_home = called(bot, "views.publish", predicate=lambda call: call.args["user_id"] == "U2")[
        -1
    ].args["view"]
    admin_home = called(
        bot, "views.publish", predicate=lambda call: call.args["user_id"] == "UADMIN"
    )[-1].args["view"]
    assert "CPQ roll-out" in all_text(member_home["blocks"])  # U2 is a member
    assert button(member_home["blocks"], ProjectAction.post_update)
    # Pausing and abandoning belong to the owner and admins: a member is not offered them.
    for steer in (ProjectAction.pause, ProjectAction.abandon):
        with pytest.raises(AssertionError):
            button(member_home["blocks"], steer)
    assert "CPQ roll-out" not in all_text(admin_home["blocks"])  # not the admin's project
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    owner_home = called(bot, "views.publish", predicate=lambda call: call.args["user_id"] == "U1")[
        -1
    ].args["view"]
    assert button(owner_home["blocks"], ProjectAction.pause)
    assert button(owner_home["blocks"], ProjectAction.abandon)

    # Open from Home shows the card in a modal.
    opened = len(bot.fake.calls("views.open"))
    element = button(member_home["blocks"], ProjectAction.open)
    bot.action(element["action_id"], element["value"], view=member_home, user_id="U2")
    modal = last_view(bot, opened + 1)
    assert "Every quote goes through CPQ" in all_text(modal["blocks"])


def test_a_team_going_live_offers_to_celebrate_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    run_job(
        bot, "project-checkin", at_local(next_weekday(TUESDAY, after=today()), 10, 5), monkeypatch
    )
    card = bot.fake.messages(PROJECT_CHANNEL)[-1]
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    with bot.session() as session:
        germany = session.scalar(select(RolloutLine.id).where(RolloutLine.name == "Germany"))
    values = {
        "health": {"health": state_value("radio_buttons", "on_track")},
        f"rollout.{germany}.status": {
            f"rollout.{germany}.status": state_value("static_select", "live")
        },
    }
    assert ack_errors(submit(bot, modal, values)) == {}
    called(bot, "chat.update")
    update = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])

    assert click(bot, update, ProjectAction.celebrate).status == 200
    win_modal = called(bot, "views.open", count=3)[-1].args["view"]
    assert "win" in win_modal["callback_id"]
    assert "Germany is live on CPQ roll-out" in str(win_modal)  # the prefilled title


def test_a_project_whose_name_starts_with_new_is_shown_not_created(bot: BotHarness) -> None:
    create_project(bot, name=text("New pricing"))

    bot.command("/revops-project", "new pricing")
    (answer,) = called(bot, "response_url")
    assert "Every quote goes through CPQ" in all_text(answer.args["blocks"])
    assert len(bot.fake.calls("views.open")) == 1  # only the creation of "New pricing"

    bot.command("/revops-project", "new Payroll")  # no such project: the creation modal
    modal = last_view(bot, 2)
    name = next(block for block in modal["blocks"] if block["block_id"] == "name")
    assert name["element"]["initial_value"] == "Payroll"


def test_the_list_says_how_many_projects_are_active_and_paused(bot: BotHarness) -> None:
    create_project(bot)
    create_project(bot, name=text("Old dashboards"))
    with bot.session() as session:
        paused = session.scalar(select(Project).where(Project.name == "Old dashboards"))
        assert paused is not None
        paused.status, paused.status_reason = "paused", "reprioritisation"

    bot.command("/revops-project", "")
    (listing,) = called(bot, "response_url")
    shown = all_text(listing.args["blocks"])
    assert "Projects: 1 active, 1 paused" in shown and "Active projects" not in shown
    assert "*Old dashboards* · Pilot with a test team · ⚪ Paused · Re-prioritisation" in shown
