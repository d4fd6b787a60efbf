"""The daily member sync (paged users.list) refreshes the directory a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.slack import directory
from bot.workspaces.models import Member
from bot.workspaces.service import MemberProfile, save_member
from tests.harness import BotHarness


def test_a_sync_refreshes_known_members_and_adds_new_ones_over_several_pages(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "USERS_LIST_PAGE", 2)
    with bot.session() as session:  # known since last week, in Paris, in French
        save_member(
            session=session,
            team_id="T1",
            now=datetime(2026, 11, 23, tzinfo=UTC),
            profile=MemberProfile("U1", "Ann", "Europe/Paris", "fr-FR", False, False, False, False),
        )
    bot.fake.add_user(
        user_id="U1", name="Ann", tz="America/New_York", locale="en-US", is_admin=True
    )
    bot.fake.add_user(user_id="U2", tz="Asia/Kolkata", locale="en-IN")
    bot.fake.add_user(user_id="U3", tz="Europe/London", locale="en-GB", deleted=True)
    services = bot.runtime.services

    synced = services.directory.sync(services.clients.for_team("T1"), team_id="T1")

    with bot.session() as session:
        members = {
            m.user_id: (m.tz, m.locale, m.is_admin, m.deleted)
            for m in session.scalars(select(Member).where(Member.user_id.in_(["U1", "U2", "U3"])))
        }
    assert members == {
        "U1": ("America/New_York", "en-US", True, False),
        "U2": ("Asia/Kolkata", "en-IN", False, False),
        "U3": ("Europe/London", "en-GB", False, True),
    }
    assert synced == len(bot.fake.workspaces["T1"].users)
    assert len(bot.fake.calls("users.list")) >= 2  # pages of two
