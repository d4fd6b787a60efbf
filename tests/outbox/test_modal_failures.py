"""When Slack does not open a form, the user is told where they are, in their language, and
can try again: never silence after an ack."""

from __future__ import annotations

import pytest

from tests.harness import BotHarness
from tests.intake.helpers import set_up_intake


@pytest.mark.parametrize(
    ("mode", "error"),
    [("5xx", "internal_error"), ("error", "ratelimited"), ("hang", "")],
    ids=["slack-500", "slack-refuses", "no-answer"],
)
def test_a_form_slack_does_not_open_is_explained_in_the_channel(
    bot: BotHarness, mode: str, error: str
) -> None:
    set_up_intake(bot)
    bot.fake.outage(["views.open"], 3.0, mode=mode, error=error or "service_unavailable")
    answer = bot.command("/revops-request", "Pipeline by region", user="U2")  # U2 reads French
    assert answer.status == 200 and answer.elapsed < 3.0
    (notice,) = bot.fake.wait_for("response_url", timeout=8)
    assert notice.args["response_type"] == "ephemeral"
    assert notice.args["text"] == "Slack n'a pas ouvert le formulaire. Réessayez."
    bot.fake.end_outage()
    bot.idle()
    assert [c for c in bot.fake.calls("views.open") if c.ok] == []
