"""Slack lifecycle: uninstall and revoked tokens stop every send; proof that the app is back
(a restart with a working token, a request Slack sent after the uninstall, an OAuth install)
brings the sends back; without it the grace period ends in a purge. Renames are harmless."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import func, select

from bot.intake.models import IntakeRequest
from bot.privacy.models import AuditEntry
from bot.privacy.pseudonyms import pseudonym
from bot.runtime import Runtime
from bot.scheduling.models import Delivery, Schedule
from bot.sections import Block, DigestReader
from bot.slack import oauth_tables
from bot.workspaces.models import Member, Workspace
from tests.harness import BotHarness
from tests.intake.helpers import file_request, set_up_intake
from tests.privacy.helpers import (
    HOME,
    install,
    oauth_harness,
    rows_mentioning,
    uninstalled_at,
)
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import slash_command

SCHEDULES_MADE = datetime(2026, 11, 23, 12, tzinfo=UTC)
MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)


def give_everyone_news(bot: BotHarness) -> None:
    def section(reader: DigestReader) -> list[Block]:
        return [SectionBlock(text=MarkdownTextObject(text="news")).to_dict()]

    bot.runtime.services.sections.digest.add(order=1, name="test", section=section)


def uninstall(bot: BotHarness, *, team: str = "T1", at: int | None = None) -> datetime:
    """Slack tells the bot it was uninstalled; returns when the bot says it happened."""
    assert bot.event({"type": "app_uninstalled"}, team=team, event_time=at).status == 200
    bot.idle()
    when = uninstalled_at(bot, team)
    assert when is not None, "the uninstall was not recorded"
    return when  # type: ignore[no-any-return]


def audit_actions(bot: BotHarness, team: str = "T1") -> list[str]:
    with bot.session() as session:
        return list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.team_id == team).order_by(AuditEntry.id)
            )
        )


class NoScheduler:
    """`revops-bot clock` without its blocking scheduler: the start-up is what is tested."""

    def start(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        pass


def restart(bot: BotHarness, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run `revops-bot serve|clock` as an operator does after reinstalling (same token, same
    environment), up to the point where it would start serving or ticking."""
    from bot.server import GunicornServer

    monkeypatch.setattr(Runtime, "scheduler", lambda self, *, blocking: NoScheduler())
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    monkeypatch.setattr(GunicornServer, "run", lambda self: None)
    assert bot.cli(command, monkeypatch=monkeypatch) == 0


def test_uninstall_stops_every_send_at_once(bot: BotHarness) -> None:
    give_everyone_news(bot)
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=SCHEDULES_MADE)  # schedules made
    uninstall(bot)
    with bot.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "uninstalled"))
        assert entry is not None and entry.details["reason"] == "app uninstalled"
    report = runner.tick("weekly-digest", now=MONDAY_NOON)
    forced = runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert report.sent == forced.sent == 0
    assert bot.fake.calls("chat.postMessage") == []
    with bot.session() as session:
        reasons = {row.error for row in session.scalars(select(Delivery))}
        paused = [s.subject for s in session.scalars(select(Schedule)) if s.paused]
    assert reasons <= {"workspace uninstalled"}
    assert paused == []  # nobody's own choice is overwritten: the workspace is what stops


@pytest.mark.parametrize("command", ["clock", "serve"])
def test_token_mode_a_restart_with_a_working_token_brings_the_workspace_back(
    bot: BotHarness, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_everyone_news(bot)
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=SCHEDULES_MADE)
    gone = uninstall(bot)
    assert runner.tick("weekly-digest", now=MONDAY_NOON).sent == 0

    # The operator reinstalls the app in Slack and restarts: auth.test answers for T1.
    restart(bot, command, monkeypatch)
    assert uninstalled_at(bot) is None
    assert audit_actions(bot)[-2:] == ["uninstalled", "reinstalled"]

    report = runner.tick("weekly-digest", now=MONDAY_NOON)
    assert report.sent >= 1 and bot.fake.dms_to("U2")  # the digest the uninstall held back

    # Past the grace period, nothing is purged: the workspace is in use.
    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, now=gone + timedelta(31)) == 0
    with bot.session() as session:
        assert session.get(Workspace, "T1") is not None
        assert session.scalar(select(func.count()).select_from(Member)) >= 3
        assert session.scalar(select(func.count()).select_from(Schedule)) >= 3
    assert "workspace purged" not in audit_actions(bot)


def test_a_request_sent_after_the_uninstall_brings_the_workspace_back_late_news_does_not(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_everyone_news(bot)
    bot.runtime.runner.tick("weekly-digest", now=SCHEDULES_MADE)
    second = int(time.time())
    uninstall(bot, at=second)

    # A retry of an event that happened before the uninstall proves nothing.
    late = {"type": "app_home_opened", "user": "U1", "tab": "home"}
    assert bot.event(late, event_time=second - 5, retry_num=1).status == 200
    # Nor does a click Slack signed before the uninstall, arriving late.
    earlier = bot.signer.headers
    built = slash_command("/revops-request", "", trigger_id=bot.fake.new_trigger_id())
    body, content_type = built
    headers = earlier(body, timestamp=second - 2, content_type=content_type)
    from tests.harness import http

    assert http("POST", bot.server.url + "/slack/events", body.encode(), headers).status == 200
    bot.idle()
    assert uninstalled_at(bot) is not None
    assert bot.runtime.runner.tick("weekly-digest", now=MONDAY_NOON).sent == 0

    # Someone opens the bot's Home tab after a reinstall: Slack only sends that to an app
    # that is installed.
    assert bot.event(late, event_time=second + 3).status == 200
    bot.idle()
    assert uninstalled_at(bot) is None
    with bot.session() as session:
        back = session.scalars(select(AuditEntry).where(AuditEntry.action == "reinstalled")).one()
    assert back.details["evidence"] == "a Slack request after the uninstall"

    # Slack retries the old app_uninstalled: late news, it changes nothing.
    assert bot.event({"type": "app_uninstalled"}, event_time=second, retry_num=1).status == 200
    bot.idle()
    assert uninstalled_at(bot) is None
    assert bot.runtime.runner.tick("weekly-digest", now=MONDAY_NOON).sent >= 1


def test_without_a_reinstall_the_grace_period_ends_in_a_purge_that_keeps_the_proof(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1", title="Pipeline for <@U2>")
    bot.action("workspace_issue_webhook_token", user_id="UADMIN", view=HOME)
    bot.idle()
    assert "issue a webhook token" in audit_actions(bot)
    gone = uninstall(bot)

    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, now=gone + timedelta(29)) == 0
    with bot.session() as session:
        assert session.get(Workspace, "T1") is not None  # within the 30 days: kept

    assert bot.jobs_run("privacy-retention", monkeypatch=monkeypatch, now=gone + timedelta(31)) == 0
    with bot.session() as session:
        assert session.get(Workspace, "T1") is None
        left = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Member, Schedule, Delivery, IntakeRequest)
        }
        trail = session.scalars(
            select(AuditEntry).where(AuditEntry.team_id == "T1").order_by(AuditEntry.id)
        ).all()
    assert left == dict.fromkeys(left, 0)
    actions = [entry.action for entry in trail]
    assert "uninstalled" in actions and actions[-1] == "workspace purged"
    # The trail stays as proof of the purge, without naming anyone.
    admin = pseudonym(team_id="T1", user_id="UADMIN", secret=None)
    assert admin in {entry.actor for entry in trail}
    for user in ("UADMIN", "U1", "U2", "U3"):
        assert rows_mentioning(bot, user) == [], user


@pytest.fixture
def oauth_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[BotHarness]:
    harness = oauth_harness(fake_slack, database_url)
    yield harness
    harness.close()


@pytest.fixture
def encrypted_oauth_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[BotHarness]:
    harness = oauth_harness(fake_slack, database_url, SECRET_KEY="a long passphrase nobody guesses")
    yield harness
    harness.close()


def installation_rows(bot: BotHarness, team: str) -> tuple[int, int]:
    with bot.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team))
            for table in (oauth_tables.installations, oauth_tables.bots)
        )


def test_a_revoked_bot_token_stops_sends_but_a_user_token_does_not(bot: BotHarness) -> None:
    bot.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}})
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.fake.wait_for("views.publish")  # still served; nothing stopped
    bot.idle()
    assert uninstalled_at(bot) is None
    bot.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT1"]}})
    bot.idle()
    assert uninstalled_at(bot) is not None


def test_oauth_tokens_revoked_deletes_the_installation_and_its_bot(oauth_bot: BotHarness) -> None:
    bot = oauth_bot
    bot.fake.add_workspace(team_id="T2", token="xoxb-T2-secret", bot_user_id="UBOT2")
    install(bot, "T2", "code-1")
    assert installation_rows(bot, "T2") == (1, 1)
    event = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT2"]}}
    assert bot.event(event, team="T2").status == 200
    bot.idle()
    assert installation_rows(bot, "T2") == (0, 0)
    assert uninstalled_at(bot, "T2") is not None
    with bot.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.team_id == "T2"))
    assert entry is not None and entry.details["reason"] == "bot token revoked"


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
    uninstall(bot, team="T2")
    assert installation_rows(bot, "T2") == (0, 0)
    install(bot, "T2", "code-2")
    assert uninstalled_at(bot, "T2") is None
    assert audit_actions(bot, "T2") == ["uninstalled", "reinstalled"]


def snapshot(bot: BotHarness) -> dict[str, Any]:
    """What a rename must not change: the workspace, its people's requests and schedules."""
    audit = audit_actions(bot)
    with bot.session() as session:
        workspace = session.get(Workspace, "T1")
        assert workspace is not None
        return {
            "workspace": (workspace.name, workspace.uninstalled_at, workspace.default_locale),
            "requests": sorted(
                (r.number, r.requester_id, r.title) for r in session.scalars(select(IntakeRequest))
            ),
            "schedules": sorted(
                (s.kind, s.subject, s.recipient, s.paused)
                for s in session.scalars(select(Schedule))
            ),
            "members": sorted(session.scalars(select(Member.user_id))),
            "audit": audit,
        }


def test_team_and_user_renames_are_harmless(bot: BotHarness) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1", title="Forecast by segment")
    bot.runtime.runner.tick("weekly-digest", now=SCHEDULES_MADE)
    bot.idle()  # the filing's DMs, Home tabs and card are out before the count starts
    before = snapshot(bot)
    writes = len(bot.fake.calls())

    renames: list[dict[str, Any]] = [
        {"type": "team_rename", "name": "Initech Sales"},
        {"type": "team_domain_change", "url": "https://initech.slack.com", "domain": "initech"},
        {
            "type": "user_change",
            "user": {
                "id": "U1",
                "name": "alice",
                "real_name": "Alice Martin-Durand",
                "tz": "America/New_York",
                "profile": {"display_name": "alice.md"},
            },
        },
    ]
    for event in renames:
        assert bot.event(event).status == 200
    bot.idle()

    assert snapshot(bot) == before
    with bot.session() as session:
        alice = session.get(Member, ("T1", "U1"))
        assert alice is not None and alice.name == "alice.md"  # the cache follows the rename
    assert bot.fake.calls()[writes:] == []  # nothing was posted, opened or refused
