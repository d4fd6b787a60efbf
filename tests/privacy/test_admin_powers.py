"""Admin powers: Slack's admins and owners, or the admin group; everyone else is refused, every
attempt is audited."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from bot.privacy.models import AuditEntry
from bot.workspaces.models import Member
from tests.harness import BotHarness
from tests.slack.signing import state_value

HOME = {"id": "VHOME", "type": "home"}
ADMIN_BUTTONS = {
    "intake_open_settings": "open intake settings",
    "celebrations_open_settings": "open celebrations settings",
    "project_flash_settings": "open flash report settings",
    "project_flash_stop": "stop the flash report",
    "digest_open_settings": "open digest settings",
    "workspace_issue_webhook_token": "issue a webhook token",
    "privacy_open_export": "open data export",
    "privacy_open_erase": "open data erasure",
    "privacy_open_settings": "open privacy settings",
}


def audit_actions(bot: BotHarness, actor: str) -> list[str]:
    with bot.session() as session:
        return [
            entry.action
            for entry in session.scalars(select(AuditEntry).where(AuditEntry.actor == actor))
        ]


def eventually(read: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.05)
    return read()


def refusals_to(bot: BotHarness, user: str) -> list[Any]:
    return [
        call
        for call in bot.fake.calls()
        if "Only workspace admins" in json.dumps(call.args)
        and (call.args.get("channel") == user or call.method == "views.open")
    ]


def test_a_member_is_refused_every_admin_action_and_each_refusal_is_audited(
    bot: BotHarness,
) -> None:
    for action in ADMIN_BUTTONS:
        assert bot.action(action, user_id="U1", view=HOME).status == 200
    expected = sorted(f"refused: {name}" for name in ADMIN_BUTTONS.values())
    assert eventually(lambda: sorted(audit_actions(bot, "U1")) == expected), audit_actions(
        bot, "U1"
    )
    # Each refusal reached U1: a small notice opened over the Home tab (or a DM).
    assert eventually(lambda: len(refusals_to(bot, "U1")) >= len(ADMIN_BUTTONS))
    opened = [c.args["view"].get("callback_id") for c in bot.fake.calls("views.open")]
    assert all(callback is None for callback in opened), opened  # only notices, no settings


def test_the_admin_group_grants_admin_powers_and_losing_it_takes_them_back(
    bot: BotHarness,
) -> None:
    bot.fake.add_usergroup(usergroup_id="SADMINS", handle="revops-admins", users=["U2"])
    values = {
        "privacy_grace": {"privacy_grace": state_value("number_input", "30")},
        "privacy_admin_group": {"privacy_admin_group": state_value("static_select", "SADMINS")},
    }
    assert bot.submit("privacy_settings", values, user_id="UADMIN").status == 200

    def flagged() -> bool:
        with bot.session() as session:
            member = session.get(Member, ("T1", "U2"))
            return bool(member and member.in_admin_group)

    assert eventually(flagged)
    bot.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    bot.fake.wait_for(
        "views.publish",
        predicate=lambda c: c.args["user_id"] == "U2" and "privacy_open_export" in str(c.args),
    )
    bot.action("workspace_issue_webhook_token", user_id="U2", view=HOME)
    token = bot.fake.wait_for(
        "views.open", predicate=lambda c: "rvb_" in json.dumps(c.args.get("view"))
    )
    assert token and "issue a webhook token" in audit_actions(bot, "U2")

    # Out of the group: Slack says so, and the power goes at once.
    bot.fake.add_usergroup(usergroup_id="SADMINS", handle="revops-admins", users=[])
    bot.event(
        {
            "type": "subteam_members_changed",
            "subteam_id": "SADMINS",
            "added_users": [],
            "removed_users": ["U2"],
        }
    )
    assert eventually(lambda: not flagged())
    bot.action("workspace_issue_webhook_token", user_id="U2", view=HOME)
    assert eventually(lambda: "refused: issue a webhook token" in audit_actions(bot, "U2"))
