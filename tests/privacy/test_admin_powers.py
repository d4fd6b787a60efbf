"""Admin powers: Slack's admins and owners, or the admin group; everyone else is refused, every
attempt is audited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.privacy.lifecycle import privacy_settings
from bot.privacy.models import AuditEntry
from bot.workspaces.models import Member
from tests.celebrations.helpers import settings_values
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
    bot.idle()
    assert sorted(audit_actions(bot, "U1")) == expected, audit_actions(bot, "U1")
    # Each refusal reached U1: a small notice opened over the Home tab (or a DM).
    assert len(refusals_to(bot, "U1")) >= len(ADMIN_BUTTONS)
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

    bot.idle()
    assert flagged()
    bot.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    bot.fake.wait_for(
        "views.publish",
        predicate=lambda c: c.args["user_id"] == "U2" and "privacy_open_export" in str(c.args),
    )
    bot.action("workspace_issue_webhook_token", user_id="U2", view=HOME)
    token = bot.fake.wait_for(
        "views.open", predicate=lambda c: "rvb_" in json.dumps(c.args.get("view"))
    )
    bot.idle()
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
    bot.idle()
    assert not flagged()
    bot.action("workspace_issue_webhook_token", user_id="U2", view=HOME)
    bot.idle()
    assert "refused: issue a webhook token" in audit_actions(bot, "U2")


def settings_rows(bot: BotHarness) -> dict[str, Any]:
    """Every admin setting a refused submission must leave as it was."""
    from bot.celebrations.models import CelebrationSettings
    from bot.intake.models import IntakeSettings
    from bot.privacy.models import PrivacySettings
    from bot.scheduling.models import Schedule

    def columns(row: Any) -> dict[str, Any] | None:
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in row.__table__.columns}

    with bot.session() as session:
        return {
            "intake": columns(session.get(IntakeSettings, "T1")),
            "celebrations": columns(session.get(CelebrationSettings, "T1")),
            "privacy": columns(session.get(PrivacySettings, "T1")),
            "schedules": sorted(
                (s.kind, s.subject, s.recipient, s.hour, s.weekday, s.paused)
                for s in session.scalars(select(Schedule))
            ),
        }


def test_a_member_submitting_an_admin_modal_or_checking_the_channel_is_refused(
    bot: BotHarness,
) -> None:
    from tests.celebrations.helpers import configure
    from tests.intake.helpers import set_up_intake

    set_up_intake(bot)
    bot.fake.add_channel(channel_id="CWINS", name="wins")
    configure(bot, channel="CWINS")
    with bot.session() as session:
        privacy_settings(session=session, team_id="T1")  # the defaults, as any first use makes
    before = settings_rows(bot)
    slack_reads = len(bot.fake.calls("conversations.info"))

    intake = bot.submit(
        "intake_settings",
        {
            "intake_channel": {"intake_channel": state_value("conversations_select", "C1")},
            "intake_capacity": {"intake_capacity": "40"},
        },
        user_id="U1",
    )
    assert "Only workspace admins" in json.dumps(intake.json["errors"])
    flash = bot.submit(
        "project_flash",
        {
            "channel": {"channel": state_value("conversations_select", "C1")},
            "weekday": {"weekday": state_value("static_select", "4")},
            "time": {"time": state_value("timepicker", "16:00")},
        },
        user_id="U1",
    )
    assert "Only workspace admins" in json.dumps(flash.json["errors"])
    user = {"privacy_user": {"privacy_user": state_value("users_select", "U2")}}
    # Valid settings: a non-admin's bad input only gets field errors, with nothing to refuse.
    celebrations = settings_values("C1")
    for callback, values in (
        ("celebrations_settings_modal", celebrations),
        ("privacy_export", user),
    ):
        assert bot.submit(callback, values, user_id="U1").status == 200
    assert bot.action("celebrations_check_channel", user_id="U1", view=HOME).status == 200

    expected = {
        "refused: intake settings",
        "refused: flash report settings",
        "refused: celebrations settings",
        "refused: export data",
        "refused: check the celebration channel",
    }
    bot.idle()
    assert expected <= set(audit_actions(bot, "U1")), audit_actions(bot, "U1")
    # Modal submissions have no channel for an ephemeral: the refusal comes by DM; the button
    # on the Home tab gets a small notice over it.
    assert len(refusal_dms(bot, "U1")) >= 2
    assert [
        c
        for c in bot.fake.calls("views.open")
        if "Only workspace admins" in json.dumps(c.args.get("view"))
    ]
    assert settings_rows(bot) == before
    assert bot.fake.uploaded_files == []
    assert len(bot.fake.calls("conversations.info")) == slack_reads  # the channel was not checked


def refusal_dms(bot: BotHarness, user: str) -> list[str]:
    return [
        call.args.get("text", "")
        for call in bot.fake.calls("chat.postMessage")
        if call.args.get("channel") == user and "Only workspace admins" in call.args.get("text", "")
    ]


def test_someone_outside_the_revops_team_cannot_use_a_cards_team_buttons(bot: BotHarness) -> None:
    from bot.intake.ids import CARD_ACTIONS
    from bot.intake.models import IntakeRequest, RequestEvent
    from tests.intake.helpers import click, file_request, set_up_intake

    set_up_intake(bot)
    request = file_request(bot, user="U2", title="Win rate by segment")
    with bot.session() as session:
        events = session.scalar(select(func.count()).select_from(RequestEvent))
    opened = len(bot.fake.calls("views.open"))
    for action in CARD_ACTIONS:
        assert click(bot, action, request, user="U1").status == 200
    refusals = bot.fake.wait_for("response_url", count=len(CARD_ACTIONS))
    assert all("Only the RevOps team can do this" in r.args["text"] for r in refusals)
    assert all(r.args.get("response_type") == "ephemeral" for r in refusals)
    bot.idle()
    assert len(bot.fake.calls("views.open")) == opened  # no triage modal opened
    with bot.session() as session:
        stored = session.get(IntakeRequest, request.id)
        assert stored is not None and stored.status == "new"
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == events
