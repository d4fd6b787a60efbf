"""The admin's App Home starts with a setup checklist, a button per step, until all are done."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.celebrations.models import CelebrationSettings
from bot.home.setup import SetupAction
from bot.privacy.lifecycle import audit
from bot.privacy.models import PrivacySettings
from tests.harness import BotHarness
from tests.intake.helpers import blocks_text, set_up_intake
from tests.intake.test_home import open_home


def buttons(view: dict) -> list[str]:
    return [
        block["accessory"]["action_id"]
        for block in view["blocks"]
        if block.get("accessory", {}).get("type") == "button"
    ]


def test_an_admin_sees_what_to_set_up_first_and_each_button_opens_its_settings(
    bot: BotHarness,
) -> None:
    home = open_home(bot, "UADMIN")
    text = blocks_text(home["blocks"])
    assert "Finish setting up RevOps bot" in text and "0 of 4 done" in text
    assert text.index("Finish setting up") < text.index("File a request with")  # at the top
    setup = [action for action in buttons(home) if action.startswith("setup_")]
    assert setup == [action.value for action in SetupAction]
    # Each opens the domain's own settings modal.
    titles = {}
    for action in SetupAction:
        opened = len(bot.fake.calls("views.open"))
        bot.action(action.value, user_id="UADMIN", view=home)
        bot.idle()
        (call,) = bot.fake.calls("views.open")[opened:]
        titles[action] = call.args["view"]["title"]["text"]
    assert titles == {
        SetupAction.intake: "Intake settings",
        SetupAction.celebrations: "Celebrations settings",
        SetupAction.digests: "Weekly digest",
        SetupAction.privacy: "Privacy settings",
    }


def test_a_member_sees_no_checklist(bot: BotHarness) -> None:
    home = open_home(bot, "U1")
    assert "Finish setting up" not in blocks_text(home["blocks"])


def test_steps_tick_off_and_the_checklist_goes_once_all_are_done(bot: BotHarness) -> None:
    set_up_intake(bot)  # the intake channel and the RevOps group
    home = open_home(bot, "UADMIN")
    text = blocks_text(home["blocks"])
    assert "1 of 4 done" in text
    assert SetupAction.intake not in buttons(home) and SetupAction.privacy in buttons(home)

    now = datetime.now(UTC)
    with bot.session() as session:
        session.add(CelebrationSettings(team_id="T1", channel_id="C1"))
        settings = session.get(PrivacySettings, "T1") or PrivacySettings(team_id="T1")
        settings.admin_usergroup_id = "SADMINS"
        session.add(settings)
        # The digest day is done once an admin saved it (the audit trail says so).
        audit(session=session, team_id="T1", action="digest settings", actor="UADMIN", now=now)
    home = open_home(bot, "UADMIN")
    assert "Finish setting up" not in blocks_text(home["blocks"])
    assert not [action for action in buttons(home) if action.startswith("setup_")]
