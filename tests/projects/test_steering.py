"""Pause, resume and abandon, each with a mandatory reason kept in the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Checkin, Project, ProjectEvent
from bot.scheduling.models import Schedule
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
    fire_checkin,
    last_view,
    next_weekday,
    run_job,
    settled,
    submit,
    text,
    today,
)
from tests.slack.signing import state_value


def reason(value: str, note: str = "") -> dict:
    return {
        "reason": {"reason": state_value("radio_buttons", value)},
        "note": {"note": text(note)},
    }


def steer(bot: BotHarness, card: dict, action: ProjectAction, values: dict, *, user: str = "U1"):  # type: ignore[no-untyped-def]
    opened = len(bot.fake.calls("views.open"))
    assert click(bot, card, action, user=user).status == 200
    modal = last_view(bot, opened + 1)
    assert modal["callback_id"] == ProjectView.status
    return modal, ack_errors(submit(bot, modal, values, user=user))


def project(bot: BotHarness) -> Project:
    with bot.session() as session:
        found = session.scalar(select(Project))
        assert found is not None
        return found


def schedule(bot: BotHarness) -> Schedule:
    with bot.session() as session:
        found = session.scalar(select(Schedule).where(Schedule.kind == "project-checkin"))
        assert found is not None
        return found


def cards(bot: BotHarness) -> list[dict]:
    return [m for m in bot.fake.messages(PROJECT_CHANNEL) if "Check-in time" in m.get("text", "")]


def test_pause_resume_and_abandon_with_reasons(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())

    modal, errors = steer(bot, card, ProjectAction.pause, {})
    assert modal["title"]["text"] == "Pause the project" and set(errors) == {"reason"}
    assert set(ack_errors(submit(bot, modal, reason("other")))) == {"note"}
    assert project(bot).status == "active"  # nothing changed while the reason was missing
    assert ack_errors(submit(bot, modal, reason("reprioritisation", "Budget freeze"))) == {}

    paused = project(bot)
    assert (paused.status, paused.status_reason, paused.status_note) == (
        "paused",
        "reprioritisation",
        "Budget freeze",
    )
    assert schedule(bot).paused
    called(bot, "chat.postMessage", predicate=lambda c: "paused" in c.args["text"])
    paused_notice = bot.fake.messages(PROJECT_CHANNEL)[-1]
    assert paused_notice["text"] == (
        "⏸ <@U1> paused *CPQ roll-out*: Re-prioritisation (Budget freeze)."
    )
    # A paused project sends no check-in and no reminder.
    assert run_job(bot, "project-checkin", at_local(tuesday, 10, 5), monkeypatch) == 0
    assert cards(bot) == []

    # Pausing twice is refused clearly, and changes nothing.
    opened = len(bot.fake.calls("views.open"))
    click(bot, card, ProjectAction.pause)
    (refusal,) = called(bot, "response_url")
    assert refusal.args["text"] == "“CPQ roll-out” is already paused."
    assert len(bot.fake.calls("views.open")) == opened

    _, errors = steer(bot, paused_notice, ProjectAction.resume, reason("other", "Budget is back"))
    assert errors == {}
    assert project(bot).status == "active"
    resumed = schedule(bot)
    assert not resumed.paused and resumed.next_run_at > datetime.now(UTC)
    # Resuming restarts from the next slot: the week's check-in comes, no backlog.
    assert run_job(bot, "project-checkin", at_local(tuesday, 10, 5), monkeypatch) == 0
    assert len(cards(bot)) == 1

    _, errors = steer(bot, card, ProjectAction.abandon, reason("failure", "Reps did not adopt it"))
    assert errors == {}
    assert project(bot).status == "abandoned"
    assert (
        run_job(bot, "project-checkin", at_local(tuesday + timedelta(days=7), 10, 5), monkeypatch)
        == 0
    )
    assert len(cards(bot)) == 1

    with bot.session() as session:
        history = session.execute(
            select(ProjectEvent.kind, ProjectEvent.actor_id, ProjectEvent.reason, ProjectEvent.note)
            .where(ProjectEvent.kind.in_(["paused", "resumed", "abandoned"]))
            .order_by(ProjectEvent.id)
        ).all()
    assert [tuple(row) for row in history] == [
        ("paused", "U1", "reprioritisation", "Budget freeze"),
        ("resumed", "U1", "other", "Budget is back"),
        ("abandoned", "U1", "failure", "Reps did not adopt it"),
    ]
    # An abandoned project cannot be resumed (from the stale paused notice).
    click(bot, paused_notice, ProjectAction.resume)
    refusals = called(bot, "response_url", count=2)
    assert "was abandoned" in refusals[-1].args["text"]


def test_only_the_owner_or_an_admin_steers_a_project(bot: BotHarness) -> None:
    card = create_project(bot)
    click(bot, card, ProjectAction.pause, user="U2")  # a member, not the owner
    (refusal,) = called(bot, "response_url")
    assert refusal.args["text"] == (  # U2 reads French
        "Seul le responsable de « CPQ roll-out » ou un administrateur peut faire cela."
    )
    assert project(bot).status == "active"
    _, errors = steer(bot, card, ProjectAction.pause, reason("not_mature"), user="UADMIN")
    assert errors == {} and project(bot).status == "paused"


def test_resuming_after_a_slot_passed_sends_no_backlog_and_the_next_slot_comes(
    bot: BotHarness,
) -> None:
    card = create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    _, errors = steer(bot, card, ProjectAction.pause, reason("reprioritisation"))
    assert errors == {}
    bot.idle()  # the pause notice is posted (the outbox) before it is read below
    runner = bot.runtime.runner
    # The clock ticks (not an operator's forced run) through Tuesday's slot while paused.
    runner.tick("project-checkin", now=at_local(tuesday, 10, 1))
    assert cards(bot) == []

    # Resumed at noon, two hours after the slot (the listeners read the real clock).
    with time_machine.travel(at_local(tuesday, 12), tick=True):
        paused_notice = bot.fake.messages(PROJECT_CHANNEL)[-1]
        _, errors = steer(bot, paused_notice, ProjectAction.resume, reason("other", "Back"))
        assert errors == {}
    runner.tick("project-checkin", now=at_local(tuesday, 12, 1))
    runner.tick("project-checkin", now=at_local(tuesday, 18))
    assert cards(bot) == []  # the passed slot is not sent late
    assert schedule(bot).next_run_at == at_local(tuesday + timedelta(days=7), 10)

    runner.tick("project-checkin", now=at_local(tuesday + timedelta(days=7), 10, 1))
    (next_card,) = cards(bot)
    assert "Check-in time for CPQ roll-out" in next_card["text"]


def test_pausing_after_the_card_went_out_sends_no_reminder(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    announcement = create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    fire_checkin(bot, monkeypatch, tuesday)
    _, errors = steer(bot, announcement, ProjectAction.pause, reason("not_mature"))
    assert errors == {}

    for day in (1, 3):
        later = at_local(tuesday + timedelta(days=day), 10, 5)
        assert run_job(bot, "project-checkin-reminder", later, monkeypatch) == 0
    assert bot.fake.dms_to("U1") == []
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "cancelled"
        assert (
            session.scalar(select(ProjectEvent.id).where(ProjectEvent.kind == "checkin_missed"))
            is None
        )


def test_pause_and_resume_from_the_home_tab(bot: BotHarness) -> None:
    create_project(bot)

    def home() -> dict:
        published = len(bot.fake.calls("views.publish"))
        bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
        return called(bot, "views.publish", count=published + 1)[-1].args["view"]

    view = home()
    pause = button(view["blocks"], ProjectAction.pause)
    opened = len(bot.fake.calls("views.open"))
    bot.action(pause["action_id"], pause["value"], view=view, user_id="U1")
    modal = last_view(bot, opened + 1)
    assert modal["title"]["text"] == "Pause the project"
    assert ack_errors(submit(bot, modal, reason("failure", "Reps did not adopt it"))) == {}

    def shows_paused(call) -> bool:  # type: ignore[no-untyped-def]
        return "Paused · Failure (Reps did not adopt it)" in all_text(call.args["view"]["blocks"])

    # The owner's Home is refreshed at once with the project paused and its reason.
    refreshed = called(bot, "views.publish", predicate=shows_paused)[-1].args["view"]
    assert project(bot).status == "paused"

    resume = button(refreshed["blocks"], ProjectAction.resume)
    bot.action(resume["action_id"], resume["value"], view=refreshed, user_id="U1")
    modal = last_view(bot, opened + 2)
    assert ack_errors(submit(bot, modal, reason("reprioritisation"))) == {}
    assert settled(bot, lambda session: session.scalar(select(Project.status)) == "active")
    with bot.session() as session:
        kinds = session.scalars(
            select(ProjectEvent.kind).where(ProjectEvent.actor_id == "U1").order_by(ProjectEvent.id)
        ).all()
    assert kinds == ["created", "paused", "resumed"]
