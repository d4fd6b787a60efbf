"""Admins issue the bearer token webhooks authenticate with; nobody else can."""

from __future__ import annotations

import re

from bot.workspaces.service import team_for_webhook_token
from tests.harness import BotHarness

HOME = {"id": "VHOME", "type": "home"}


def issued_token(bot: BotHarness, count: int) -> str:
    opened = bot.fake.wait_for("views.open", count=count)[-1]
    text = opened.args["view"]["blocks"][0]["text"]["text"]
    match = re.search(r"rvb_[\w-]+", text)
    assert match, text
    return match.group(0)


def test_an_admin_issues_a_token_and_a_new_one_revokes_the_old(bot: BotHarness) -> None:
    assert bot.action("workspace_issue_webhook_token", user_id="UADMIN", view=HOME).status == 200
    first = issued_token(bot, 1)
    bot.action("workspace_issue_webhook_token", user_id="UADMIN", view=HOME)
    second = issued_token(bot, 2)
    with bot.session() as session:
        assert team_for_webhook_token(session=session, token=second) == "T1"
        assert team_for_webhook_token(session=session, token=first) is None
        assert team_for_webhook_token(session=session, token="rvb_guess") is None


def test_a_member_who_is_not_admin_is_refused_clearly(bot: BotHarness) -> None:
    bot.action("workspace_issue_webhook_token", user_id="U1", view=HOME)
    (notice,) = bot.fake.wait_for("views.open")
    assert notice.args["view"]["blocks"][0]["text"]["text"] == "Only workspace admins can do this."
    assert "rvb_" not in str(notice.args)
