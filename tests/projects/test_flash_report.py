"""The weekly flash report: set up by an admin from Home, sent once a week through the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.projects import service
from bot.projects.flash import save_flash_report
from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Checkin, Project
from bot.projects.validation import KpiDraft, ProjectDraft, StatusAction
from bot.scheduling.models import Delivery, Schedule
from tests.harness import BotHarness
from tests.projects.helpers import (
    FOLLOW_UP,
    TUESDAY,
    ack_errors,
    all_text,
    at_local,
    button,
    called,
    create_project,
    fire_checkin,
    last_view,
    next_weekday,
    post_update,
    push_kpis,
    run_job,
    settled,
    submit,
    text,
    today,
    update_values,
    webhook_token,
)
from tests.slack.fake_slack_methods import UploadedFile
from tests.slack.signing import state_value

KIND = "project-flash-report"
MONDAY = 0


def posts(bot: BotHarness) -> list[dict[str, Any]]:
    """The report's messages in its channel."""
    return bot.fake.messages("CREPORT")


def charts(bot: BotHarness) -> list[UploadedFile]:
    """PNG charts the report's messages show in image blocks, each uploaded shared nowhere
    (only the message shows it) and checked to be a real image of a plausible size (a drawn
    chart, not an empty or truncated file); every upload the bot made is one of them."""
    found = bot.fake.images_shown("CREPORT")
    assert len(bot.fake.uploaded_files) == len(found)
    for upload in found:
        assert upload.channel_id is None, "a chart is shown by its message, never shared"
        assert upload.content.startswith(b"\x89PNG\r\n\x1a\n"), upload.filename
        assert 10_000 < len(upload.content) < 2_000_000, len(upload.content)
    return found


def local_day(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()


def set_up_report(bot: BotHarness) -> None:
    """An admin opens Home, clicks the flash report's Set up, and picks #revops-flash."""
    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    (published,) = called(
        bot, "views.publish", predicate=lambda call: call.args["user_id"] == "UADMIN"
    )
    home = published.response["view"]  # type: ignore[index]
    assert "*Weekly flash report*: not set up yet." in all_text(home["blocks"])
    setup = button(home["blocks"], ProjectAction.flash_settings)
    opened = len(bot.fake.calls("views.open"))
    bot.action(setup["action_id"], setup["value"], view=home, user_id="UADMIN")
    modal = last_view(bot, opened + 1)
    assert modal["callback_id"] == ProjectView.flash
    days = next(block for block in modal["blocks"] if block["block_id"] == "weekday")
    assert [o["text"]["text"] for o in days["element"]["options"]][5:] == ["Saturday", "Sunday"]
    values = {
        "channel": {"channel": state_value("conversations_select", "CREPORT")},
        "weekday": {"weekday": state_value("static_select", str(MONDAY))},
        "time": {"time": state_value("timepicker", "09:00")},
        "tz": {"tz": text("Mars/Olympus")},
    }
    assert set(ack_errors(submit(bot, modal, values, user="UADMIN"))) == {"tz"}
    values["tz"] = {"tz": text("Europe/Paris")}
    assert ack_errors(submit(bot, modal, values, user="UADMIN")) == {}


def test_the_flash_report_lists_projects_kpis_blockers_milestones_missed_and_stopped(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuesday = next_weekday(TUESDAY, after=today())
    create_project(
        bot,
        **{
            "milestones.0.due_date": state_value(
                "datepicker", (tuesday + timedelta(days=10)).isoformat()
            )
        },
    )
    set_up_report(bot)
    with bot.session() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.kind == KIND))
        assert schedule is not None
        assert (schedule.recipient, schedule.weekday, schedule.hour, schedule.tz) == (
            "CREPORT",
            MONDAY,
            9,
            "Europe/Paris",
        )
        stopped = _add_project(session, "Old dashboards", status="abandoned")
        stopped.status_reason, stopped.status_note = "failure", "Nobody used them"
        stopped.status_changed_at = datetime.now(UTC)
    # The check-in goes unanswered until it is missed on Friday.
    run_job(bot, "project-checkin", at_local(tuesday, 10, 5), monkeypatch)
    run_job(
        bot, "project-checkin-reminder", at_local(tuesday + timedelta(days=3), 10, 5), monkeypatch
    )

    monday = at_local(tuesday + timedelta(days=6), 9, 5, tz="Europe/Paris")
    assert run_job(bot, KIND, monday, monkeypatch) == 0
    assert run_job(bot, KIND, monday + timedelta(hours=3), monkeypatch) == 0  # once a week
    (report,) = posts(bot)
    assert charts(bot) == []  # its KPI has no value yet: nothing to chart
    shown = all_text(report["blocks"])
    assert "Flash report, week of" in shown
    assert "1 active" in shown and "1 missed check-in ·" in shown and "1 abandoned" in shown
    assert "*CPQ roll-out*" in shown and "Win rate" in shown
    assert "GO/NO-GO Germany 🚦" in shown
    assert "Missed check-in" in shown
    assert "*Old dashboards* · Abandoned · Failure (Nobody used them)" in shown
    with bot.session() as session:
        (sent,) = session.scalars(select(Delivery).where(Delivery.kind == KIND)).all()
        assert sent.status == "sent"

    # The admin stops the report from Home (a confirmed button): no schedule remains.
    home = called(bot, "views.publish", predicate=lambda call: call.args["user_id"] == "UADMIN")[
        -1
    ].response["view"]  # type: ignore[index]
    stop = button(home["blocks"], ProjectAction.flash_stop)
    assert stop["confirm"]["confirm"]["text"] == "Stop it"
    bot.action(stop["action_id"], stop["value"], view=home, user_id="UADMIN")
    assert settled(
        bot,
        lambda session: session.scalar(select(Schedule.id).where(Schedule.kind == KIND)) is None,
    )


def _add_project(session, name: str, *, status: str = "active") -> Project:  # type: ignore[no-untyped-def]
    draft = ProjectDraft(
        name=name,
        objective="Keep the teams informed.",
        owner_id="U1",
        channel_id="CPROJ",
        start_date=today(),
        target_end_date=today() + timedelta(days=90),
        checkin_day=str(TUESDAY),
        checkin_time="10:00",
        kpis=[KpiDraft(name="Adoption", unit="%", baseline="10", target="80", direction="up")],
    )
    project = service.create_project(
        session=session,
        team_id="T1",
        draft=draft,
        created_by="U1",
        owner_tz="Europe/Paris",
        group_member_ids=[],
        now=datetime.now(UTC),
    )
    project.status = status
    project.health = "at_risk"
    project.blockers = "Waiting for the data team " * 20
    return project


def test_a_long_report_is_split_and_threaded_within_block_kit_limits(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(bot.runtime.services.session_factory) as session:
        for number in range(160):
            _add_project(session, f"Project {number:03d}")
        save_flash_report(
            session=session,
            team_id="T1",
            channel_id="CREPORT",
            weekday=MONDAY,
            at="09:00",
            tz="Europe/Paris",
            now=datetime.now(UTC),
        )
    monday = at_local(next_weekday(MONDAY, after=today()), 9, 5, tz="Europe/Paris")
    assert run_job(bot, KIND, monday, monkeypatch) == 0
    sent = bot.fake.messages("CREPORT")
    assert len(sent) == 2  # 160 projects, 3 a section: 3 + 54 blocks, 50 at most a message
    first, *rest = sent
    assert "part 1 of 2" in first["text"]
    assert all(post.get("thread_ts") == first["ts"] for post in rest)
    assert all(len(post["blocks"]) <= 50 for post in sent)
    assert sum(all_text(p["blocks"]).count("*Project ") for p in sent) == 160
    assert charts(bot) == []  # no KPI has a value yet: nothing to chart, no chart


def _report_on_monday(bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tuesday) -> str:  # type: ignore[no-untyped-def]
    with bot.session() as session:
        save_flash_report(
            session=session,
            team_id="T1",
            channel_id="CREPORT",
            weekday=MONDAY,
            at="09:00",
            tz="Europe/Paris",
            now=datetime.now(UTC),
        )
    monday = at_local(tuesday + timedelta(days=6), 9, 5, tz="Europe/Paris")
    assert run_job(bot, KIND, monday, monkeypatch) == 0
    (report,) = posts(bot)
    return all_text(report["blocks"])


def test_a_checkin_answered_late_from_its_old_card_is_not_reported_missed(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    card = fire_checkin(bot, monkeypatch, tuesday)
    run_job(bot, FOLLOW_UP, at_local(tuesday + timedelta(days=3), 10, 5), monkeypatch)
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "missed"

    post_update(bot, card, update_values(bot, win_rate="24"))  # on Saturday, from Tuesday's card

    shown = _report_on_monday(bot, monkeypatch, tuesday)
    assert "0 missed check-ins" in shown
    assert "Missed check-in" not in shown
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "posted"


def test_the_report_shows_kpis_against_target_blockers_risks_and_paused_projects_with_reasons(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    tuesday = next_weekday(TUESDAY, after=today())
    card = fire_checkin(bot, monkeypatch, tuesday)
    post_update(bot, card, update_values(bot, win_rate="24", health="at_risk"))
    with bot.session() as session:
        paused = _add_project(session, "Old dashboards")
        service.change_status(
            session=session,
            team_id="T1",
            project_id=paused.id,
            action=StatusAction.pause,
            actor_id="U1",
            is_admin=False,
            reason="reprioritisation",
            note="Budget freeze",
            now=datetime.now(UTC),
        )
    # A dashboard tool pushes a newer win rate after the check-in: the next card and report
    # show it, with its move since the check-in.
    body = {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": 26.5}]}
    assert push_kpis(bot, body, token=webhook_token(bot), key="wr-1").status == 200
    bot.command("/revops-project", "CPQ roll-out")
    (answer,) = called(bot, "response_url")
    card_text = all_text(answer.args["blocks"])
    assert "*Win rate*: 26.5% (baseline 20%, target 30%)" in card_text
    assert "▲ +2.5% since the last check-in (better)" in card_text

    shown = _report_on_monday(bot, monkeypatch, tuesday)
    # The chart: one PNG in the report's channel, with the KPI's values in its alt text; a
    # second run of the same week uploads nothing.
    (chart,) = charts(bot)
    monday = at_local(tuesday + timedelta(days=6), 9, 5, tz="Europe/Paris")
    assert chart.filename == f"flash-report-{local_day(monday)}.png"
    assert chart.alt_text is not None
    assert "CPQ roll-out: Win rate at 26.5% (baseline 20%, target 30%)" in chart.alt_text
    assert run_job(bot, KIND, monday + timedelta(minutes=30), monkeypatch) == 0
    assert len(charts(bot)) == 1 and len(posts(bot)) == 1
    assert "1 active · 0 off track · 1 at risk" in shown and "1 paused" in shown
    assert "🟠 *CPQ roll-out* · At risk · Pilot with a test team" in shown
    assert "• Win rate 26.5% → 30% `▓▓▓░░ 65%` ▲ +2.5" in shown
    assert "⚠️ Blockers: Legal review of the quote template" in shown
    assert "*Old dashboards* · Paused · Re-prioritisation (Budget freeze) since" in shown


def test_a_report_channel_the_bot_cannot_post_in_is_told_to_the_admin(bot: BotHarness) -> None:
    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    bot.idle()
    (published,) = bot.fake.calls("views.publish")
    home = published.response["view"]  # type: ignore[index]
    setup = button(home["blocks"], ProjectAction.flash_settings)
    bot.action(setup["action_id"], setup["value"], view=home, user_id="UADMIN")
    modal = last_view(bot)
    values = {
        "channel": {"channel": state_value("conversations_select", "CPRIV")},
        "weekday": {"weekday": state_value("static_select", str(MONDAY))},
        "time": {"time": state_value("timepicker", "09:00")},
        "tz": {"tz": text("Europe/Paris")},
    }
    # Slack does not say in time whether the bot is in the channel: the form cannot tell.
    bot.fake.fail_next("conversations.info", error="ratelimited", status=429)

    assert ack_errors(submit(bot, modal, values, user="UADMIN")) == {}
    bot.idle()

    (told,) = bot.fake.dms_to("UADMIN")
    assert "The flash report is set up, but the bot cannot post in <#CPRIV>" in told["text"]
    with bot.session() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.kind == KIND))
        assert schedule is not None and schedule.recipient == "CPRIV"


def test_an_erased_owner_is_a_former_member_in_the_flash_report(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)  # owned by U1
    tuesday = next_weekday(TUESDAY, after=today())
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", "U1", "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    shown = _report_on_monday(bot, monkeypatch, tuesday)
    assert "a former member" in shown
    assert "<@X" not in shown and "<@U1>" not in shown
