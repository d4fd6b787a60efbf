"""Check-ins end to end: the card at the owner's local time, the update, the reminder, missed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Checkin, Kpi, KpiValue, Project, ProjectEvent, RolloutLine
from tests.harness import BotHarness
from tests.projects.helpers import (
    CHECKIN,
    FOLLOW_UP,
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    at_local,
    buttons,
    checkin_cards,
    click,
    create_project,
    fire_checkin,
    last_view,
    next_weekday,
    push_kpis,
    run_job,
    submit,
    text,
    today,
    update_values,
    webhook_token,
)
from tests.slack.signing import state_value


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
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 1
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    shown = all_text(replaced["blocks"])
    assert "CPQ roll-out: At risk" in shown
    assert "`▓▓▓▓░░░░░░ 40%`" in shown  # progress
    assert "*Win rate*: 24% (baseline 20%, target 30%)" in shown
    assert "`▓▓▓▓░░░░░░ 40%`" in shown  # 20 → 24 of 20 → 30
    assert "⚠️ *Blockers*\n> Legal review of the quote template" in shown
    assert "First success: *France* now live!" in shown
    (celebrate,) = buttons(replaced["blocks"], ProjectAction.celebrate)
    assert "France" in celebrate["text"]["text"]
    with bot.session() as session:
        assert session.scalar(select(Checkin.update_ts)) == card["ts"]
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
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 2
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
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 1
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


def kpi_input(modal: dict) -> tuple[str, str | None]:
    """The KPI field of the update modal: its block id and the value it starts from."""
    block = next(b for b in modal["blocks"] if b.get("block_id", "").startswith("kpi."))
    return block["block_id"], block["element"].get("initial_value")


@pytest.mark.parametrize("pushed", [0.4567, 0.004])
def test_a_kpi_value_left_as_prefilled_stays_exact_and_is_no_new_value(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, pushed: float
) -> None:
    create_project(bot)
    body = {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": pushed}]}
    answer = push_kpis(bot, body, token=webhook_token(bot), key="dashboard-1")
    assert answer.status == 200, answer.text
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    block_id, shown = kpi_input(modal)
    assert shown is not None and float(shown) == pushed  # every digit, not 0.46 or 0

    values = {
        "health": {"health": state_value("radio_buttons", "on_track")},
        block_id: {block_id: text(shown)},  # left as it was
    }
    assert ack_errors(submit(bot, modal, values)) == {}
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 1
    with bot.session() as session:
        kpi = session.scalar(select(Kpi))
        assert kpi is not None and kpi.current_value == pushed
        sources = session.scalars(select(KpiValue.source)).all()
        assert sources == ["webhook"]  # no check-in value for a value left unchanged


def test_a_kpi_value_cleared_keeps_the_kpi_and_its_change_since_the_last_checkin(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    for week, win_rate in enumerate(("24", "27")):
        card = fire_checkin(bot, monkeypatch, tuesday + timedelta(days=7 * week))
        click(bot, card, ProjectAction.post_update)
        modal = last_view(bot, 2 + week)
        assert ack_errors(submit(bot, modal, update_values(bot, win_rate=win_rate))) == {}
        bot.idle()
        assert len(bot.fake.calls("chat.update")) == 1 + week

    card = fire_checkin(bot, monkeypatch, tuesday + timedelta(days=14))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 4)
    assert kpi_input(modal)[1] == "27"
    assert ack_errors(submit(bot, modal, update_values(bot, win_rate=""))) == {}  # cleared
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 3
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    shown = all_text(replaced["blocks"])
    assert "*Win rate*: 27% (baseline 20%, target 30%)" in shown
    assert "▲ +3% since the last check-in (better)" in shown
    with bot.session() as session:
        assert session.scalars(select(KpiValue.value).order_by(KpiValue.id)).all() == [24, 27]


@pytest.mark.parametrize("first", [CHECKIN, FOLLOW_UP])
def test_a_daily_checkin_left_unanswered_is_missed_when_the_next_card_comes_whatever_job_runs_first(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    create_project(bot, checkin_day=state_value("static_select", "daily"))
    monday = next_weekday(0, after=today())
    fire_checkin(bot, monkeypatch, monday)
    assert run_job(bot, FOLLOW_UP, at_local(monday, 16), monkeypatch) == 0

    tuesday = monday + timedelta(days=1)
    second = FOLLOW_UP if first == CHECKIN else CHECKIN
    for kind in (first, second):
        assert run_job(bot, kind, at_local(tuesday, 10, 5), monkeypatch) == 0

    # The Tuesday card asks again (mentioning the owner): no DM on top of it, in either order.
    assert len(checkin_cards(bot)) == 2
    assert bot.fake.dms_to("U1") == []
    with bot.session() as session:
        statuses = session.scalars(select(Checkin.status).order_by(Checkin.due_at)).all()
        assert statuses == ["missed", "pending"]
        missed = session.scalars(
            select(ProjectEvent).where(ProjectEvent.kind == "checkin_missed")
        ).all()
        monday_checkin = session.scalar(select(Checkin).order_by(Checkin.due_at))
        assert monday_checkin is not None
        assert [event.details["checkin"] for event in missed] == [monday_checkin.id]
    # Without a Wednesday card (the card job late), the follow-up closes Tuesday's all the same.
    assert run_job(bot, FOLLOW_UP, at_local(tuesday + timedelta(days=1), 10, 5), monkeypatch) == 0
    assert bot.fake.dms_to("U1") == []
    with bot.session() as session:
        assert session.scalars(select(Checkin.status)).all() == ["missed", "missed"]
        assert (
            len(
                session.scalars(
                    select(ProjectEvent.id).where(ProjectEvent.kind == "checkin_missed")
                ).all()
            )
            == 2
        )


def test_a_team_handed_off_without_its_local_owner_is_refused_on_that_field(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    values = update_values(bot, win_rate="24", france="handed_off")
    with bot.session() as session:
        france = session.scalar(select(RolloutLine.id).where(RolloutLine.name == "France"))

    errors = ack_errors(submit(bot, modal, values))

    assert errors == {f"rollout.{france}.owner": "Name the local owner who takes it over."}
    with bot.session() as session:
        line = session.get(RolloutLine, france)
        assert line is not None and (line.status, line.local_owner_id) == ("not_started", None)
        assert session.scalar(select(Checkin.status)) == "pending"
        assert session.scalars(select(KpiValue)).all() == []

    values[f"rollout.{france}.owner"] = {
        f"rollout.{france}.owner": state_value("users_select", "U2")
    }
    assert ack_errors(submit(bot, modal, values)) == {}
    bot.idle()
    assert len(bot.fake.calls("chat.update")) == 1
    replaced = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    assert "🤝 France: Handed off · local owner <@U2>" in all_text(replaced["blocks"])
