"""Check-ins end to end: the card at the owner's local time, the update, the reminder, missed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Checkin, Kpi, KpiValue, Project, ProjectEvent, RolloutLine
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    at_local,
    click,
    create_project,
    eventually,
    last_view,
    next_weekday,
    run_job,
    submit,
    text,
    today,
)
from tests.slack.signing import state_value

CHECKIN = "project-checkin"
FOLLOW_UP = "project-checkin-reminder"


def checkin_cards(bot: BotHarness) -> list[dict]:
    return [m for m in bot.fake.messages(PROJECT_CHANNEL) if "Check-in time" in m.get("text", "")]


def fire_checkin(bot: BotHarness, monkeypatch: pytest.MonkeyPatch, day) -> dict:  # type: ignore[no-untyped-def]
    assert run_job(bot, CHECKIN, at_local(day, 10, 5), monkeypatch) == 0
    return checkin_cards(bot)[-1]


def update_values(bot: BotHarness, *, win_rate: str, france: str = "piloting") -> dict:
    with bot.session() as session:
        kpi_id = session.scalar(select(Kpi.id))
        france_id = session.scalar(select(RolloutLine.id).where(RolloutLine.name == "France"))
    return {
        "health": {"health": state_value("radio_buttons", "at_risk")},
        "progress": {"progress": text("40")},
        "done": {"done": text("Pilot team trained on CPQ")},
        "blockers": {"blockers": text("Legal review of the quote template")},
        f"kpi.{kpi_id}": {f"kpi.{kpi_id}": text(win_rate)},
        f"rollout.{france_id}.status": {
            f"rollout.{france_id}.status": state_value("static_select", france)
        },
    }


def test_the_checkin_is_posted_at_the_owners_local_time_and_the_update_replaces_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())

    # 09:30 in New York (the owner's zone) is before the 10:00 slot: nothing yet.
    assert run_job(bot, CHECKIN, at_local(tuesday, 9, 30), monkeypatch) == 0
    assert checkin_cards(bot) == []
    card = fire_checkin(bot, monkeypatch, tuesday)
    assert run_job(bot, CHECKIN, at_local(tuesday, 11), monkeypatch) == 0  # a second run
    assert len(checkin_cards(bot)) == 1
    assert "<@U1>" in all_text(card["blocks"])

    assert click(bot, card, ProjectAction.post_update).status == 200
    modal = last_view(bot, 2)
    assert modal["callback_id"] == ProjectView.update
    values = update_values(bot, win_rate="24 %", france="live")
    bad = dict(values)
    kpi_block = next(key for key in values if key.startswith("kpi."))
    bad[kpi_block] = {kpi_block: text("about twenty")}
    errors = ack_errors(submit(bot, modal, bad))
    assert list(errors) == [kpi_block] and "not a number" in errors[kpi_block]
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "pending"
        assert session.scalars(select(KpiValue)).all() == []

    assert ack_errors(submit(bot, modal, values)) == {}
    bot.fake.wait_for("chat.update")
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    shown = all_text(replaced["blocks"])
    assert "CPQ roll-out: At risk" in shown
    assert "`▓▓▓▓░░░░░░ 40%`" in shown  # progress
    assert "*Win rate*: 24% (baseline 20%, target 30%)" in shown
    assert "`▓▓▓▓░░░░░░ 40%`" in shown  # 20 → 24 of 20 → 30
    assert "⚠️ *Blockers*\n> Legal review of the quote template" in shown
    assert "First success: *France* now live!" in shown
    assert ProjectAction.celebrate in {
        e.get("action_id") for b in replaced["blocks"] for e in b.get("elements", [])
    }
    assert eventually(bot, lambda s: s.scalar(select(Checkin.update_ts))) == card["ts"]
    with bot.session() as session:
        checkin = session.scalar(select(Checkin))
        assert checkin is not None and checkin.status == "posted" and checkin.posted_by == "U1"
        value = session.scalar(select(KpiValue))
        assert value is not None and (value.value, value.source) == (24.0, "checkin")
        france = session.scalar(select(RolloutLine).where(RolloutLine.name == "France"))
        assert france is not None and france.status == "live" and france.live_at is not None
        project = session.scalar(select(Project))
        assert project is not None and (project.health, project.progress_pct) == ("at_risk", 40)

    # The next week's update says how the KPI moved since this check-in.
    card = fire_checkin(bot, monkeypatch, tuesday + timedelta(days=7))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 3)
    assert ack_errors(submit(bot, modal, update_values(bot, win_rate="27", france="live"))) == {}
    bot.fake.wait_for("chat.update", count=2)
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    assert "▲ +3% since the last check-in (better)" in all_text(replaced["blocks"])
    assert "First success" not in all_text(replaced["blocks"])  # France was already live


def test_the_same_update_submitted_twice_is_stored_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    values = update_values(bot, win_rate="22")
    assert ack_errors(submit(bot, modal, values)) == {}
    assert ack_errors(submit(bot, modal, values)) == {}
    bot.fake.wait_for("chat.update")
    with bot.session() as session:
        assert len(session.scalars(select(KpiValue)).all()) == 1
        updates = session.scalars(
            select(ProjectEvent).where(ProjectEvent.kind == "update_posted")
        ).all()
        assert len(updates) == 1
    assert (
        len(bot.fake.calls("chat.update"))
        + len(
            [c for c in bot.fake.calls("chat.postMessage") if "At risk" in c.args.get("text", "")]
        )
        == 1
    )


def test_one_reminder_the_next_working_day_then_missed_two_days_later(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    fire_checkin(bot, monkeypatch, tuesday)

    assert run_job(bot, FOLLOW_UP, at_local(tuesday, 16), monkeypatch) == 0
    assert bot.fake.dms_to("U1") == []
    wednesday = tuesday + timedelta(days=1)
    assert run_job(bot, FOLLOW_UP, at_local(wednesday, 10, 5), monkeypatch) == 0
    (reminder,) = bot.fake.dms_to("U1")
    assert "still waiting for its update" in reminder["text"]
    assert ProjectAction.post_update in str(reminder["blocks"])
    for later in (at_local(wednesday, 17), at_local(wednesday + timedelta(days=1), 10, 5)):
        assert run_job(bot, FOLLOW_UP, later, monkeypatch) == 0
    assert len(bot.fake.dms_to("U1")) == 1  # never a second reminder
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "pending"

    friday = tuesday + timedelta(days=3)
    assert run_job(bot, FOLLOW_UP, at_local(friday, 10, 5), monkeypatch) == 0
    with bot.session() as session:
        checkin = session.scalar(select(Checkin))
        assert checkin is not None and checkin.status == "missed" and checkin.missed_at
        assert session.scalar(
            select(ProjectEvent.kind).where(ProjectEvent.kind == "checkin_missed")
        )
    assert len(bot.fake.dms_to("U1")) == 1


def test_an_update_for_a_project_paused_meanwhile_is_refused_on_the_form(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    with bot.session() as session:
        project = session.scalar(select(Project))
        assert project is not None
        project.status = "paused"  # someone paused it while the modal was open

    errors = ack_errors(submit(bot, modal, update_values(bot, win_rate="22")))

    assert errors == {"health": "“CPQ roll-out” is paused: resume it first."}
    with bot.session() as session:
        assert session.scalars(select(KpiValue)).all() == []
        assert session.scalar(select(Checkin.status)) == "pending"
