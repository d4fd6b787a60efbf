"""Retention: an admin sets it in Slack; the daily purge runs through the ledger and says what it
removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest, RequestEvent
from bot.privacy.lifecycle import privacy_settings
from bot.privacy.models import AuditEntry
from bot.privacy.retention import months_before
from bot.scheduling.models import Delivery
from tests.harness import BotHarness
from tests.intake.helpers import act, file_request, note, set_up_intake, wait_for_dm
from tests.slack.signing import state_value

LONG_AGO = datetime.now(UTC) - timedelta(days=150)


def set_retention(bot: BotHarness, months: str, *, user: str = "UADMIN") -> None:
    values = {
        "privacy_retention": {"privacy_retention": state_value("number_input", months)},
        "privacy_grace": {"privacy_grace": state_value("number_input", "30")},
    }
    assert bot.submit("privacy_settings", values, user_id=user).status == 200


def retention_months(bot: BotHarness) -> int | None:
    """The setting once the bot is idle (a submission is acked first and saved right after)."""
    bot.idle()
    with bot.session() as session:
        return privacy_settings(session=session, team_id="T1").retention_months


def test_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(datetime(2026, 5, 31, 9, tzinfo=UTC), 3) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_the_purge_removes_what_is_older_than_the_setting_once_a_day(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    old, recent, still_open = (file_request(bot, title=f"Request {n}") for n in range(3))
    for request in (old, recent):
        act(bot, Action.decline, Callback.decline, request, note("Out of scope for RevOps."))
        wait_for_dm(bot, "U1", "was declined")
    with bot.session() as session:
        session.execute(
            update(IntakeRequest).where(IntakeRequest.id == old.id).values(closed_at=LONG_AGO)
        )
        session.add(
            Delivery(
                team_id="T1",
                kind="weekly-digest",
                recipient="U1",
                period="2026-W20",
                status="sent",
                due_at=LONG_AGO,
                next_attempt_at=LONG_AGO,
                created_at=LONG_AGO,
                finished_at=LONG_AGO,
            )
        )

    set_retention(bot, "3")
    assert retention_months(bot) == 3

    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, team="T1") == 0
    with bot.session() as session:
        left = set(session.scalars(select(IntakeRequest.id)))
        old_events = session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == old.id)
        )
        old_deliveries = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.period == "2026-W20")
        )
        (purge,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention purge")
        ).all()
    assert left == {recent.id, still_open.id} and old_events == 0 and old_deliveries == 0
    assert (purge.details["closed_requests"], purge.details["deliveries"]) == (1, 1)

    # Again the same day: the ledger has the day's purge; nothing runs twice.
    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, team="T1") == 0
    with bot.session() as session:
        purges = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "retention purge")
        )
    assert purges == 1

    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    bot.fake.wait_for(
        "views.publish",
        predicate=lambda call: (
            call.args["user_id"] == "UADMIN" and "2 rows removed" in str(call.args["view"])
        ),
    )


def test_a_member_cannot_change_retention(bot: BotHarness) -> None:
    set_retention(bot, "1", user="U1")
    bot.fake.wait_for("chat.postMessage")  # told, by DM, that only admins may
    assert retention_months(bot) != 1
    with bot.session() as session:
        refused = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "refused: privacy settings")
        )
    assert refused is not None and refused.actor == "U1"


def test_check_ins_older_than_the_setting_are_purged_and_the_project_stays(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.projects.models import Checkin, Project
    from tests.projects.helpers import (
        PROJECT_CHANNEL,
        TUESDAY,
        at_local,
        create_project,
        next_weekday,
        run_job,
        today,
    )

    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    create_project(bot)
    first = next_weekday(TUESDAY, after=today())
    for week in (0, 1):
        assert (
            run_job(
                bot, "project-checkin", at_local(first + timedelta(weeks=week), 10, 5), monkeypatch
            )
            == 0
        )
    with bot.session() as session:
        due = sorted(session.scalars(select(Checkin.due_at)))
    assert len(due) == 2

    set_retention(bot, "3")
    assert retention_months(bot) == 3
    # Three months and three days after the first check-in: only the first is older than that.
    purge_day = months_before(due[0], -3) + timedelta(days=3)
    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, now=purge_day, team="T1") == 0
    with bot.session() as session:
        left = sorted(session.scalars(select(Checkin.due_at)))
        projects = session.scalar(select(func.count()).select_from(Project))
        purge = session.scalar(select(AuditEntry).where(AuditEntry.action == "retention purge"))
    assert left == due[1:] and projects == 1
    assert purge is not None and purge.details["check_ins"] == 1
