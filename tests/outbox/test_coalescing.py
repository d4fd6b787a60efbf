"""Updates of one object coalesce, and the latest state wins: ten changes of a request in a
second give at most two chat.update calls of its card, the last showing the final state."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.intake.effects import owe_card
from bot.intake.models import IntakeRequest
from tests.harness import BotHarness, eventually
from tests.intake.helpers import INTAKE_CHANNEL, file_request, set_up_intake


def change_title(bot: BotHarness, request_id: int, title: str) -> None:
    """One change of the request, and the refresh of its card it owes, in one transaction."""
    with bot.session() as session:
        request = session.get(IntakeRequest, request_id)
        assert request is not None
        request.title = title
        owe_card(session=session, request=request, channel_id=INTAKE_CHANNEL, now=datetime.now(UTC))


def test_ten_changes_in_a_second_give_two_card_updates_the_last_showing_the_final_state(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    request = file_request(bot, title="Version 0")
    bot.idle()
    updates_before = len(bot.fake.calls("chat.update"))
    bot.fake.hold("chat.update")  # the first update is under way when the others come

    change_title(bot, request.id, "Version 1")
    eventually(
        lambda: bot.fake.held_count("chat.update") >= 1,
        timeout=5,
        what="the first update reaches the fake Slack (and waits there)",
    )
    for n in range(2, 11):
        change_title(bot, request.id, f"Version {n}")
    bot.fake.release("chat.update")
    bot.idle()

    updates = bot.fake.calls("chat.update", ok=True)[updates_before:]
    assert len(updates) == 2, [call.args["text"] for call in updates]
    assert "Version 1" in updates[0].args["text"]  # rendered before the others changed it
    assert "Version 10" in updates[-1].args["text"]
    card = next(m for m in bot.fake.messages(INTAKE_CHANNEL) if m["ts"] == request.card_ts)
    assert "Version 10" in card["text"]
