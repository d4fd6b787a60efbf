"""Milestone reminders: N days before (3 by default) and on the day, in the project channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.projects.ids import ProjectAction
from bot.projects.models import Milestone, Project
from bot.scheduling.models import Delivery
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    all_text,
    at_local,
    click,
    create_project,
    run_job,
    today,
)

KIND = "project-milestone-reminder"


def reminders(bot: BotHarness) -> list[dict]:
    return [m for m in bot.fake.messages(PROJECT_CHANNEL) if "GO/NO-GO" in m.get("text", "")]


def test_a_go_no_go_is_announced_three_days_before_then_on_the_day(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)  # GO/NO-GO Germany in 30 days, remind 3 days before
    decision_day = today() + timedelta(days=30)

    for too_early in (
        at_local(decision_day - timedelta(days=4), 9, 5),
        at_local(decision_day - timedelta(days=3), 8, 55),
    ):
        assert run_job(bot, KIND, too_early, monkeypatch) == 0
    assert reminders(bot) == []

    three_days_before = at_local(decision_day - timedelta(days=3), 9, 5)
    assert run_job(bot, KIND, three_days_before, monkeypatch) == 0
    assert run_job(bot, KIND, three_days_before + timedelta(hours=2), monkeypatch) == 0
    (before,) = reminders(bot)
    assert "<@U1>" in before["text"] or "<@U1>" in all_text(before["blocks"])
    assert "GO/NO-GO decision *GO/NO-GO Germany* of *CPQ roll-out* is in 3 days" in all_text(
        before["blocks"]
    )

    assert run_job(bot, KIND, at_local(decision_day, 9, 1), monkeypatch) == 0
    on_the_day = reminders(bot)[-1]
    assert "today is the GO/NO-GO decision" in all_text(on_the_day["blocks"])
    with bot.session() as session:
        periods = sorted(session.scalars(select(Delivery.period).where(Delivery.kind == KIND)))
        statuses = set(session.scalars(select(Delivery.status).where(Delivery.kind == KIND)))
    assert [p.rsplit(":", 1)[1] for p in periods] == ["before", "day"] and statuses == {"sent"}

    assert click(bot, on_the_day, ProjectAction.milestone_reached).status == 200
    bot.idle()
    # The reminder says so, in place, for the whole channel.
    (edit,) = bot.fake.calls("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == (PROJECT_CHANNEL, on_the_day["ts"])
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == on_the_day["ts"])
    assert "*GO/NO-GO Germany* of *CPQ roll-out* reached, marked by <@U1>" in replaced["text"]
    assert "Mark as reached" not in all_text(replaced["blocks"])
    # A second click (a double click, a member a moment later) changes and shows nothing new.
    assert click(bot, on_the_day, ProjectAction.milestone_reached, user="U2").status == 200
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 1
    with bot.session() as session:
        milestone = session.scalar(select(Milestone))
        assert milestone is not None and milestone.reached_by == "U1" and milestone.reached_at
    # A reached milestone gets no more reminders.
    assert run_job(bot, KIND, at_local(decision_day, 15), monkeypatch) == 0
    assert len(reminders(bot)) == 2


def test_a_paused_project_gets_no_milestone_reminder(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    with bot.session() as session:
        project = session.scalar(select(Project))
        assert project is not None
        project.status = "paused"
    decision_day = today() + timedelta(days=30)
    assert run_job(bot, KIND, at_local(decision_day - timedelta(days=3), 9, 5), monkeypatch) == 0
    assert reminders(bot) == []
