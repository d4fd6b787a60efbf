"""What projects add to the weekly digest DM and the weekly gazette, read as the surfaces do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.i18n import translator_for
from bot.projects.ids import ProjectAction
from bot.projects.models import Kpi, Milestone, RolloutLine
from bot.sections import DigestReader, GazetteReader
from bot.workspaces.models import Member
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    at_local,
    called,
    click,
    create_project,
    last_view,
    next_weekday,
    run_job,
    settled,
    submit,
    text,
    today,
)
from tests.slack.signing import state_value


def digest_of(bot: BotHarness, user: str) -> list[dict]:
    now = datetime.now(UTC)
    with bot.session() as session:
        member = session.get(Member, ("T1", user)) or Member(
            team_id="T1", user_id=user, tz="Europe/Paris"
        )
        reader = DigestReader(
            session=session,
            team_id="T1",
            member=member,
            t=translator_for("en-US"),
            now=now,
            week_start=now.date() - timedelta(days=7),
            week_end=now.date() - timedelta(days=1),
        )
        return dict(bot.runtime.services.sections.digest.render(reader))["projects"]


def gazette(bot: BotHarness) -> list[dict]:
    now = datetime.now(UTC)
    with bot.session() as session:
        reader = GazetteReader(
            session=session,
            team_id="T1",
            t=translator_for("en-US"),
            now=now,
            week_start=now.date() - timedelta(days=now.weekday()),
            week_end=now.date() - timedelta(days=now.weekday()) + timedelta(days=6),
        )
        return dict(bot.runtime.services.sections.gazette.render(reader))["projects"]


def test_the_digest_shows_a_readers_waiting_checkin_and_next_milestone(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert digest_of(bot, "U1") == []  # no project: nothing to say
    create_project(
        bot,
        **{
            "milestones.0.due_date": state_value(
                "datepicker", (today() + timedelta(days=5)).isoformat()
            )
        },
    )
    run_job(
        bot, "project-checkin", at_local(next_weekday(TUESDAY, after=today()), 10, 5), monkeypatch
    )
    shown = all_text(digest_of(bot, "U1"))
    assert "*Your projects*" in shown and "*CPQ roll-out*" in shown
    assert "check-in waiting for an update since" in shown
    assert "next milestone *GO/NO-GO Germany*" in shown
    assert "*CPQ roll-out*" in all_text(digest_of(bot, "U2"))  # a member reads it too
    assert digest_of(bot, "UADMIN") == []


def test_the_gazette_tells_what_moved_this_week(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gazette(bot) == []
    create_project(
        bot,
        **{
            "milestones.0.due_date": state_value(
                "datepicker", (today() + timedelta(days=2)).isoformat()
            )
        },
    )
    run_job(
        bot, "project-checkin", at_local(next_weekday(TUESDAY, after=today()), 10, 5), monkeypatch
    )
    card = bot.fake.messages(PROJECT_CHANNEL)[-1]
    click(bot, card, ProjectAction.post_update)
    modal = last_view(bot, 2)
    with bot.session() as session:
        kpi = session.scalar(select(Kpi.id))
        france = session.scalar(select(RolloutLine.id).where(RolloutLine.name == "France"))
        milestone = session.scalar(select(Milestone.id))
    values = {
        "health": {"health": state_value("radio_buttons", "on_track")},
        f"kpi.{kpi}": {f"kpi.{kpi}": text("31")},
        f"rollout.{france}.status": {
            f"rollout.{france}.status": state_value("static_select", "live")
        },
        "milestones": {"milestones": state_value("checkboxes", [str(milestone)])},
    }
    assert ack_errors(submit(bot, modal, values)) == {}
    assert settled(bot, lambda session: session.scalar(select(Milestone.reached_at)))
    shown = all_text(gazette(bot))
    assert "*Projects that moved this week*" in shown
    assert "🏁 *GO/NO-GO Germany* reached" in shown
    assert "✅ *France* live" in shown
    assert "🎯 *Win rate* reached its target (30%)" in shown


def test_the_home_section_stays_small_with_many_projects(bot: BotHarness) -> None:
    from bot.db import session_scope
    from tests.projects.test_flash_report import _add_project

    with session_scope(bot.runtime.services.session_factory) as session:
        for number in range(20):
            _add_project(session, f"Project {number:02d}")
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    home = called(bot, "views.publish")[-1].args["view"]
    mine = [b for b in home["blocks"] if "Project " in str(b)]
    assert len(mine) <= 30
    assert "and 12 more" in all_text(home["blocks"])
