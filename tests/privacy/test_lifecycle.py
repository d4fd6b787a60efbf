"""Slack lifecycle: uninstall and revoked tokens stop every send; tokens are encrypted at rest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import select

from bot.privacy.models import AuditEntry
from bot.runtime import build_runtime
from bot.scheduling.models import Delivery, Schedule
from bot.sections import Block, DigestReader
from bot.settings import Settings, load_settings
from bot.slack import oauth_tables
from bot.workspaces.models import Workspace
from tests.harness import SIGNING_SECRET, BotHarness, http
from tests.slack.fake_slack import FakeSlack

MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)


def give_everyone_news(bot: BotHarness) -> None:
    def section(reader: DigestReader) -> list[Block]:
        return [SectionBlock(text=MarkdownTextObject(text="news")).to_dict()]

    bot.runtime.services.sections.digest.add(order=1, name="test", section=section)


def test_uninstall_stops_every_send_at_once(bot: BotHarness) -> None:
    give_everyone_news(bot)
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=datetime(2026, 11, 23, 12, tzinfo=UTC))  # schedules made
    assert bot.event({"type": "app_uninstalled"}).status == 200
    for _ in range(100):
        with bot.session() as session:
            workspace = session.get(Workspace, "T1")
            if workspace is not None and workspace.uninstalled_at is not None:
                break
        time.sleep(0.05)
    with bot.session() as session:
        assert all(s.paused for s in session.scalars(select(Schedule)))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "uninstalled"))
        assert entry is not None and entry.details["reason"] == "app uninstalled"
    report = runner.tick("weekly-digest", now=MONDAY_NOON)
    forced = runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert report.sent == forced.sent == 0
    assert bot.fake.calls("chat.postMessage") == []
    with bot.session() as session:
        reasons = {row.error for row in session.scalars(select(Delivery))}
    assert reasons <= {"workspace uninstalled"}


def test_a_revoked_bot_token_stops_sends_but_a_user_token_does_not(bot: BotHarness) -> None:
    bot.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}})
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.fake.wait_for("views.publish")  # still served; nothing stopped
    with bot.session() as session:
        assert session.get(Workspace, "T1").uninstalled_at is None  # type: ignore[union-attr]
    bot.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT1"]}})
    bot.fake.wait_for("views.publish")
    for _ in range(100):
        with bot.session() as session:
            if session.get(Workspace, "T1").uninstalled_at is not None:  # type: ignore[union-attr]
                return
        time.sleep(0.05)
    raise AssertionError("a revoked bot token did not stop the workspace")


@pytest.fixture
def encrypted_oauth_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[BotHarness]:
    environment = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "a long passphrase nobody guesses",
    }
    harness = BotHarness(
        build_runtime(load_settings(Settings, **environment)), fake_slack, environment
    )
    yield harness
    harness.close()


def install(bot: BotHarness, team_id: str, code: str) -> None:
    bot.fake.oauth_codes[code] = {"team_id": team_id, "user_id": "U9"}
    page = bot.get("/slack/install")
    state = page.text.split("state=")[1].split('"')[0].split("&")[0]
    cookie = page.headers["set-cookie"].split(";")[0]
    callback = http(
        "GET",
        f"{bot.server.url}/slack/oauth_redirect?code={code}&state={state}",
        headers={"Cookie": cookie},
    )
    assert callback.status == 200, callback.text


def test_tokens_are_encrypted_at_rest_and_still_serve_requests(
    encrypted_oauth_bot: BotHarness,
) -> None:
    bot = encrypted_oauth_bot
    bot.fake.add_workspace(team_id="T2", token="xoxb-T2-secret", bot_user_id="UBOT2")
    bot.fake.add_user(team_id="T2", user_id="U9", tz="Europe/Paris", locale="fr-FR")
    install(bot, "T2", "code-9")
    with bot.session() as session:
        stored = session.execute(select(oauth_tables.bots.c.bot_token)).scalars().all()
        installed = session.execute(select(oauth_tables.installations.c.bot_token)).scalars().all()
    assert stored and all(token.startswith("gAAAA") for token in stored + installed)
    assert "xoxb-T2-secret" not in str(stored + installed)

    bot.event({"type": "app_home_opened", "user": "U9", "tab": "home"}, team="T2")
    (publish,) = bot.fake.wait_for("views.publish")
    assert publish.team_id == "T2"  # the decrypted token reached Slack


def test_uninstall_deletes_the_installation_and_a_reinstall_restores_sends(
    encrypted_oauth_bot: BotHarness,
) -> None:
    bot = encrypted_oauth_bot
    bot.fake.add_workspace(team_id="T2", token="xoxb-T2-secret", bot_user_id="UBOT2")
    install(bot, "T2", "code-1")
    assert bot.event({"type": "app_uninstalled"}, team="T2").status == 200
    for _ in range(100):
        with bot.session() as session:
            left = session.execute(select(oauth_tables.bots)).all()
            workspace = session.get(Workspace, "T2")
            if not left and workspace is not None and workspace.uninstalled_at is not None:
                break
        time.sleep(0.05)
    assert not left and workspace is not None and workspace.uninstalled_at is not None
    install(bot, "T2", "code-2")
    with bot.session() as session:
        workspace = session.get(Workspace, "T2")
        assert workspace is not None and workspace.uninstalled_at is None
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["uninstalled", "reinstalled"]
