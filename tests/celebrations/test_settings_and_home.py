"""Admins set celebrations up from App Home; a channel the bot is not in is reported once."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from bot.celebrations.ids import SettingsBlock, WinAction, WinCallback
from bot.celebrations.models import CelebrationSettings
from bot.i18n import translator
from bot.scheduling.models import Schedule
from bot.slack.scopes import BOT_SCOPES
from tests.celebrations.helpers import (
    block_text,
    channel_posts,
    configure,
    home,
    settings_values,
)
from tests.celebrations.test_manual_win import form, open_modal
from tests.harness import BotHarness


def test_an_admin_sets_celebrations_up_from_the_home_tab(bot: BotHarness) -> None:
    view = home(bot, "UADMIN")
    assert "*Celebrations* (admins)" in block_text(view)
    assert "*Celebrations*" not in block_text(home(bot, "U1"))  # not for everyone
    assert "Recent wins" in block_text(home(bot, "U1"))

    bot.action(WinAction.open_settings, view=view, user_id="UADMIN")
    bot.idle()
    modal = bot.fake.calls("views.open")[0].args["view"]
    assert modal["callback_id"] == WinCallback.settings
    tz_input = next(b for b in modal["blocks"] if b["block_id"] == SettingsBlock.tz)
    assert tz_input["element"]["initial_value"] == "Europe/London"  # the admin's own zone

    bad = bot.submit(
        WinCallback.settings,
        settings_values("CWINS", tz="Mars/Olympus", rates="USD=cheap", portal="abc"),
        user_id="UADMIN",
    )
    assert bad.json["response_action"] == "errors"
    assert set(bad.json["errors"]) == {
        SettingsBlock.tz,
        SettingsBlock.exchange_rates,
        SettingsBlock.portal_id,
    }

    good = bot.submit(WinCallback.settings, settings_values("CWINS"), user_id="UADMIN")
    assert good.status == 200 and not good.body
    bot.idle()  # the save owes the admin's Home tab
    nine = translator("en").clock(9)  # "9:00 AM", as CLDR writes it
    assert f"gazette every Monday at {nine}" in block_text(bot.fake.home_of("UADMIN") or {})
    with bot.session() as session:
        settings = session.get(CelebrationSettings, "T1")
        assert settings is not None
        assert settings.won_stages == ["closedwon", "contractsigned"]
        assert (settings.base_currency, settings.exchange_rates) == (
            "EUR",
            {"USD": "0.92", "GBP": "1.17"},
        )
        kinds = {s.kind: s for s in session.scalars(select(Schedule))}
        assert kinds["celebrations-gazette"].recipient == "CWINS"
        assert kinds["celebrations-gazette"].weekday == 0
        assert kinds["celebrations-top-performers"].frequency == "monthly-first-working-day"


def test_a_non_admin_cannot_open_the_settings(bot: BotHarness) -> None:
    view = home(bot, "U1")
    bot.action(WinAction.open_settings, view=view, user_id="U1")
    bot.idle()
    (notice,) = bot.fake.calls("views.open")
    assert "Only workspace admins" in block_text(notice.args["view"])


def test_a_public_channel_is_joined_when_an_admin_picks_it(bot: BotHarness) -> None:
    bot.fake.add_channel(channel_id="CPUB", name="celebrations", is_member=False)
    home(bot, "UADMIN")
    bot.submit(WinCallback.settings, settings_values("CPUB"), user_id="UADMIN")
    bot.idle()
    (join,) = bot.fake.calls("conversations.join")
    assert join.args["channel"] == "CPUB"
    assert bot.fake.dms_to("UADMIN") == []
    assert "not in <#CPUB>" not in block_text(bot.fake.home_of("UADMIN") or {})


def test_a_channel_the_bot_is_not_in_is_reported_in_home_and_by_dm_once(
    bot: BotHarness,
) -> None:
    bot.fake.add_channel(channel_id="CPRIV", name="wins-private", is_private=True, is_member=False)
    home(bot, "UADMIN")
    for _ in range(2):
        bot.submit(WinCallback.settings, settings_values("CPRIV"), user_id="UADMIN")
        bot.idle()
    assert "not in <#CPRIV>" in block_text(bot.fake.home_of("UADMIN") or {})
    (dm,) = bot.fake.dms_to("UADMIN")
    assert "<#CPRIV>" in dm["text"] and "/invite @revops-bot" in dm["text"]

    # A win meanwhile cannot be posted: Home says it waits.
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.idle()
    (refused,) = bot.fake.calls("chat.postMessage", ok=False)
    assert refused.args["channel"] == "CPRIV" and refused.error == "not_in_channel"
    assert len(bot.fake.dms_to("UADMIN")) == 1  # still told once
    assert "1 win is waiting to be posted." in block_text(home(bot, "UADMIN"))


def test_once_the_bot_is_invited_what_waited_is_posted_without_clicking(bot: BotHarness) -> None:
    """The DM says to invite the bot; when Slack tells the bot it joined, it posts what waited.
    Removed later, it reports the channel again."""
    bot.fake.add_channel(channel_id="CPRIV", name="wins-private", is_private=True, is_member=False)
    configure(bot, channel="CPRIV")
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.idle()  # Slack refuses the card: not_in_channel says what is wrong with the channel
    (dm,) = bot.fake.dms_to("UADMIN")
    assert "soon as I join" in dm["text"]
    assert "1 win is waiting to be posted." in block_text(home(bot, "UADMIN"))

    # An admin types /invite @revops-bot in the channel: Slack sends member_joined_channel.
    bot.fake.workspaces["T1"].channels["CPRIV"]["is_member"] = True
    joined = {
        "type": "member_joined_channel",
        "user": "UBOT1",
        "channel": "CPRIV",
        "channel_type": "G",
        "team": "T1",
        "inviter": "UADMIN",
        "event_ts": "1700000100.000100",
    }
    assert bot.event(joined).status == 200
    bot.idle()
    (post,) = channel_posts(bot, "CPRIV")
    assert "ACME signs" in block_text(post)
    home_text = block_text(home(bot, "UADMIN"))
    assert "not in <#CPRIV>" not in home_text and "waiting to be posted" not in home_text

    # Someone else joining changes nothing; the bot removed later is reported again.
    bot.event({**joined, "user": "U2"})
    bot.fake.workspaces["T1"].channels["CPRIV"]["is_member"] = False
    view = open_modal(bot)
    bot.submit(
        WinCallback.modal,
        form(winners=["U2"], title="Second deal"),
        private_metadata=view["private_metadata"],
    )
    bot.idle()
    assert len(bot.fake.dms_to("UADMIN")) == 2
    assert "<#CPRIV>" in bot.fake.dms_to("UADMIN")[1]["text"]


def test_recent_wins_show_on_everyones_home(bot: BotHarness) -> None:
    configure(bot)
    view = open_modal(bot)
    bot.submit(
        WinCallback.modal,
        form(winners=["U2"], title="Big renewal", amount="900", currency="GBP"),
        private_metadata=view["private_metadata"],
    )
    bot.idle()
    assert channel_posts(bot)
    text = block_text(home(bot, "U1"))
    assert "Big renewal* — £900.00 — <@U2>" in text


def test_the_manifest_subscribes_to_the_events_celebrations_listen_to() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[2] / "config" / "manifest.yml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"member_joined_channel", "reaction_added", "reaction_removed"} <= events
    # member_joined_channel reaches the bot with these scopes (public, private channels).
    assert {"channels:read", "groups:read"} <= set(BOT_SCOPES)
