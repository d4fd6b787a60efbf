"""The HTTP surface end to end: signatures, health, unknown requests, Home, member cache."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.workspaces.models import Member
from tests.harness import BotHarness
from tests.slack import signing
from tests.slack.blockkit_limits import check_view


def test_a_signed_unknown_command_is_acked_not_500(bot: BotHarness) -> None:
    response = bot.command("/revops-unknown", "hello")
    assert response.status == 200


def test_unsigned_forged_and_replayed_requests_get_401_and_touch_nothing(bot: BotHarness) -> None:
    home_opened = signing.event_callback({"type": "app_home_opened", "user": "U1", "tab": "home"})
    calls_before = len(bot.fake.calls())

    unsigned = bot.post_slack(home_opened, signed=False)
    forged = bot.post_slack(home_opened, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    replayed = bot.post_slack(home_opened, timestamp=int(time.time()) - 6 * 60)

    assert [unsigned.status, forged.status, replayed.status] == [401, 401, 401]
    bot.idle()  # a listener that slipped through would have called views.publish
    assert len(bot.fake.calls()) == calls_before
    with bot.session() as session:
        assert session.scalars(select(Member)).all() == []


def test_url_verification_answers_the_challenge(bot: BotHarness) -> None:
    response = bot.post_slack(signing.url_verification("abc123"))
    assert response.status == 200 and response.json == {"challenge": "abc123"}


def test_health_and_readiness(bot: BotHarness) -> None:
    assert bot.get("/healthz").json == {"status": "ok"}
    ready = bot.get("/readyz")
    assert (ready.status, ready.json) == (200, {"status": "ready"})


def test_home_tab_is_published_in_the_users_language(bot: BotHarness) -> None:
    bot.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    (call,) = bot.fake.wait_for("views.publish")
    assert call.args["user_id"] == "U2"
    header = call.args["view"]["blocks"][0]["text"]["text"]
    assert header == "Bot RevOps"  # U2's Slack locale is fr-FR

    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    calls = bot.fake.wait_for("views.publish", count=2)
    assert calls[1].args["view"]["blocks"][0]["text"]["text"] == "RevOps bot"


def test_home_tab_looks_the_user_up_once_then_uses_the_cache(bot: BotHarness) -> None:
    for count in (1, 2, 3):
        bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
        bot.fake.wait_for("views.publish", count=count)
    lookups = bot.fake.calls("users.info")
    assert len(lookups) == 1 and lookups[0].args["include_locale"] in (True, "true", "1")


def test_user_change_refreshes_the_cached_time_zone(bot: BotHarness) -> None:
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.fake.wait_for("views.publish")
    moved = {
        "id": "U1",
        "name": "alice",
        "tz": "Asia/Kolkata",
        "locale": "en-US",
        "profile": {"display_name": "Alice"},
    }
    assert bot.event({"type": "user_change", "user": moved}).status == 200
    bot.idle()
    with bot.session() as session:
        member = session.get(Member, ("T1", "U1"))
        assert member is not None and member.tz == "Asia/Kolkata"


def test_database_down_at_run_time_is_503_and_a_polite_message(fake_slack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.runtime import build_runtime
    from bot.settings import Settings, load_settings
    from tests.harness import bot_environment

    environment = bot_environment(fake_slack, "postgresql+psycopg://revops:pw@127.0.0.1:1/revops")
    harness = BotHarness(
        build_runtime(load_settings(Settings, **environment)), fake_slack, environment
    )
    try:
        ready = harness.get("/readyz")
        assert ready.status == 503 and "database unreachable" in ready.json["reason"]
        clicked = harness.action(
            "workspace_issue_webhook_token", user_id="U2", view={"id": "VHOME", "type": "home"}
        )
        assert clicked.status == 200
        harness.idle()
        notice = _polite_notice_to(fake_slack, "U2")
        assert "momentanément indisponible" in notice  # U2 reads French, even with the DB down
        # A form submitted meanwhile stays open under a notice: what was typed is not lost.
        submitted = harness.submit("intake_file", {}, user_id="U2")
        assert submitted.status == 200, submitted.text
        assert submitted.json["response_action"] == "push"
        pushed = submitted.json["view"]
        assert check_view(pushed, allowed_types=frozenset({"modal"})) == []
        assert "momentanément indisponible" in pushed["blocks"][0]["text"]["text"]
    finally:
        harness.close()


def _polite_notice_to(fake, user: str) -> str:  # type: ignore[no-untyped-def]
    """The text the user was shown: a small modal from the Home tab, or a DM when the click's
    trigger had expired (a loaded machine can take more than Slack's 3 seconds)."""
    for call in fake.calls("views.open", ok=True):
        return str(call.args["view"]["blocks"][0]["text"]["text"])
    for message in fake.dms_to(user):
        return str(message.get("text", ""))
    raise AssertionError(f"no notice reached {user}: {[c.method for c in fake.calls()]}")


def test_a_refusal_raised_right_after_the_ack_is_answered_at_once(bot: BotHarness) -> None:
    from slack_bolt import Ack

    from bot.app import guard_listeners
    from bot.errors import UserFacingError

    def acked_then_refused(ack: Ack) -> None:
        ack()
        raise UserFacingError("Only workspace admins can do this.")

    bot.runtime.bolt_app.action("test_acked_then_refused")(acked_then_refused)
    guard_listeners(bot.runtime.bolt_app, bot.runtime.services)  # as create_app does for all
    for _ in range(20):  # the race this guards against is timing-dependent: try it often
        response = bot.action("test_acked_then_refused", user_id="U1")
        assert response.status == 200 and response.elapsed < 1.0
    notices = bot.fake.wait_for("response_url", count=20)
    assert notices[0].args["text"] == "Only workspace admins can do this."


def test_a_modal_slack_refuses_for_a_stale_trigger_is_explained_to_the_user(
    bot: BotHarness,
) -> None:
    bot.fake.trigger_ttl_seconds = 0.0  # every trigger has expired by the time it is used
    assert bot.command("/revops-request", "Pipeline dashboard", user="U2").status == 200
    (notice,) = bot.fake.wait_for("response_url")
    assert (
        notice.args["text"] == "Slack a renoncé à attendre l'ouverture de cette fenêtre. Réessayez."
    )
    assert bot.fake.calls("views.open", ok=False)[0].error == "expired_trigger_id"
