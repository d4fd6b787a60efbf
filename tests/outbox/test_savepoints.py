"""What a transaction owes reaches the outbox when the transaction commits, whatever savepoints
it used on the way.

SQLAlchemy tells a session's `after_commit` and `after_rollback` listeners of a savepoint's
release and rollback too. The outbox took the release for the commit: it handed the owed rows to
its threads while the transaction still held them (PostgreSQL's threads found nothing, and the
rows waited for the clock's next sweep), and a savepoint rolled back forgot what the transaction
had owed before it. CI met it as a refused win card whose "invite me" DM to the admin went late:
`tests/celebrations/test_settings_and_home.py`, which owes that DM inside a savepoint.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest

from bot.celebrations import effects
from tests.harness import BotHarness

OUTAGE_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def owe_outage_over(session: object, admin_id: str, since: datetime) -> None:
    """A DM that needs nothing else to exist: an admin hears a Salesforce outage is over."""
    effects.owe_salesforce_back_notice(
        session=session,  # type: ignore[arg-type]
        team_id="T1",
        admin_id=admin_id,
        since=since,
        now=datetime.now(UTC),
    )


def kicks_of(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> list[set[tuple[str, str]]]:
    """The (workspace, kind) lanes handed to the outbox's threads, in order (they still run)."""
    kicked: list[set[tuple[str, str]]] = []
    outbox = bot.runtime.outbox
    real_kick = outbox.kick

    def kick(owed: object) -> None:
        lanes = set(owed)  # type: ignore[call-overload]
        kicked.append(lanes)
        real_kick(lanes)

    monkeypatch.setattr(outbox, "kick", kick)
    return kicked


def test_a_message_owed_in_a_savepoint_goes_once_the_transaction_commits(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    kicked = kicks_of(bot, monkeypatch)
    with bot.session() as session:
        with session.begin_nested():
            owe_outage_over(session, "UADMIN", OUTAGE_START)
        # Released, not committed: no other connection can see the row yet.
        assert kicked == []
    assert (("T1", effects.MESSAGE_KIND)) in set().union(*kicked)

    bot.idle()
    (dm,) = bot.fake.dms_to("UADMIN")
    assert "Salesforce" in dm["text"]


def test_a_savepoint_rolled_back_keeps_what_the_transaction_owed_before_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    kicks_of(bot, monkeypatch)
    with bot.session() as session:
        owe_outage_over(session, "UADMIN", OUTAGE_START)
        with suppress(RuntimeError), session.begin_nested():
            owe_outage_over(session, "U2", OUTAGE_START + timedelta(hours=1))
            raise RuntimeError("a hook failed: its part is undone, the rest goes on")

    bot.idle()
    assert len(bot.fake.dms_to("UADMIN")) == 1
    assert bot.fake.dms_to("U2") == []
