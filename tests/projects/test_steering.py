"""Pause, resume and abandon, each with a mandatory reason kept in the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Project, ProjectEvent
from bot.scheduling.models import Schedule
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    at_local,
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
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: "paused" in c.args["text"])
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
    (refusal,) = bot.fake.wait_for("response_url")
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
    refusals = bot.fake.wait_for("response_url", count=2)
    assert "was abandoned" in refusals[-1].args["text"]


def test_only_the_owner_or_an_admin_steers_a_project(bot: BotHarness) -> None:
    card = create_project(bot)
    click(bot, card, ProjectAction.pause, user="U2")  # a member, not the owner
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["text"] == (  # U2 reads French
        "Seul le responsable de « CPQ roll-out » ou un administrateur peut faire cela."
    )
    assert project(bot).status == "active"
    _, errors = steer(bot, card, ProjectAction.pause, reason("not_mature"), user="UADMIN")
    assert errors == {} and project(bot).status == "paused"
