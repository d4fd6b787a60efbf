"""Right of access and right to erasure across every domain, on data made through real flows.

A member, Erin (UERASE, erase.me@example.com), files a request, owns a project, wins a deal
announced by e-mail from a CRM, gets a digest and unsubscribes. Then an operator exports and
erases her data with the CLI, and every table is scanned, column by column, for her id and
e-mail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, cast, func, select

from bot.celebrations.models import Win
from bot.db.all_models import Base
from bot.intake.models import IntakeRequest
from bot.privacy.models import AuditEntry
from bot.privacy.service import ERASED_TEXT, pseudonym
from bot.projects.models import Project
from bot.workspaces.service import issue_webhook_token
from tests.celebrations.helpers import configure, wait_until
from tests.harness import BotHarness, http
from tests.intake.helpers import file_request, set_up_intake
from tests.projects.helpers import PROJECT_CHANNEL, create_project
from tests.slack.signing import state_value

ERIN, ERIN_EMAIL = "UERASE", "erase.me@example.com"


@pytest.fixture
def erin_everywhere(bot: BotHarness) -> BotHarness:
    fake = bot.fake
    fake.add_user(
        user_id=ERIN, real_name="Erin Example", email=ERIN_EMAIL, tz="Europe/Paris", locale="en-US"
    )
    fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    fake.add_channel(channel_id="CWINS", name="wins")
    set_up_intake(bot)
    configure(bot, channel="CWINS")

    file_request(
        bot,
        user=ERIN,
        title="My own pipeline view",
        need=f"I want my numbers before my 1:1 with <@U1>, mail me at {ERIN_EMAIL}",
    )
    create_project(
        bot,
        user=ERIN,
        **{
            "owner": state_value("users_select", ERIN),
            "members": state_value("multi_users_select", ["U2"]),
        },
    )
    with bot.session() as session:
        token = issue_webhook_token(
            session=session, team_id="T1", created_by="UADMIN", now=datetime.now(UTC)
        )
    body = {
        "winners": [{"email": ERIN_EMAIL}],
        "kind": "deal_signed",
        "title": "Initech signs",
        "amount": 30000,
        "currency": "EUR",
        "source": "crm",
        "external_id": "deal-1",
    }
    answer = http(
        "POST",
        bot.server.url + "/webhooks/wins",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert answer.status in (200, 202), answer.text
    wait_until(lambda: [m for m in bot.fake.messages("CWINS") if "Initech" in str(m)])

    report = bot.runtime.runner.tick(
        "weekly-digest", now=datetime.now(UTC) + timedelta(days=1), team_id="T1", forced=True
    )
    assert report.sent >= 1 and bot.fake.dms_to(ERIN)
    bot.action("digest_unsubscribe", user_id=ERIN, view={"id": "VHOME", "type": "home"})
    bot.fake.wait_for("views.publish")
    return bot


def rows_mentioning(bot: BotHarness, needle: str) -> list[str]:
    """Every table.column whose value contains `needle`, across the whole schema."""
    found = []
    with bot.session() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                hits = session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(cast(column, String).contains(needle))
                )
                if hits:
                    found.append(f"{table.name}.{column.name} ({hits})")
    return found


def test_export_then_erase_leaves_nothing_personal_and_keeps_the_counts(
    erin_everywhere: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bot = erin_everywhere
    assert rows_mentioning(bot, ERIN) and rows_mentioning(bot, ERIN_EMAIL)

    out = tmp_path / "erin.json"
    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T1",
            "--user",
            ERIN,
            "--out",
            str(out),
            monkeypatch=monkeypatch,
        )
        == 0
    )
    export = json.loads(out.read_text())
    assert export["schema"] == "revops-bot/export/v1" and export["user_id"] == ERIN
    tables = export["tables"]
    for expected in (
        "members",
        "intake_requests",
        "projects",
        "win_winners",
        "celebration_email_users",
        "digest_opt_outs",
        "deliveries",
    ):
        assert expected in tables, f"{expected} missing from the export: {sorted(tables)}"
    assert tables["intake_requests"][0]["title"] == "My own pipeline view"
    assert tables["win_winners"][0]["email"] == ERIN_EMAIL

    with bot.session() as session:
        before = (
            session.scalar(select(func.count()).select_from(IntakeRequest)),
            session.scalar(select(func.count()).select_from(Project)),
            session.scalar(select(func.count()).select_from(Win)),
        )

    assert bot.cli("privacy", "erase", "--team", "T1", "--user", ERIN, monkeypatch=monkeypatch) == 0
    assert rows_mentioning(bot, ERIN) == []
    assert rows_mentioning(bot, ERIN_EMAIL) == []
    assert rows_mentioning(bot, "Erin Example") == []

    alias = pseudonym(team_id="T1", user_id=ERIN, secret=None)
    with bot.session() as session:
        after = (
            session.scalar(select(func.count()).select_from(IntakeRequest)),
            session.scalar(select(func.count()).select_from(Project)),
            session.scalar(select(func.count()).select_from(Win)),
        )
        request = session.scalars(select(IntakeRequest)).one()
        project = session.scalars(select(Project)).one()
        erasure = session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert after == before  # counts and totals are not personal: they stay
    assert (request.requester_id, request.title, request.need) == (alias, ERASED_TEXT, ERASED_TEXT)
    assert project.owner_id == alias and project.name  # the project itself goes on
    assert erasure is not None and erasure.subject == alias and erasure.actor == "cli"
    assert sum(erasure.details["rows"].values()) > 5

    # Twice is harmless: nothing left to change, and the second request is recorded too.
    assert bot.cli("privacy", "erase", "--team", "T1", "--user", ERIN, monkeypatch=monkeypatch) == 0
    with bot.session() as session:
        second = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erase").order_by(AuditEntry.id)
        ).all()[-1]
    assert second.details["rows"] == {}


def test_an_admin_exports_from_home_and_gets_the_file_by_dm(
    erin_everywhere: BotHarness,
) -> None:
    bot = erin_everywhere
    bot.action("privacy_open_export", user_id="UADMIN", view={"id": "VHOME", "type": "home"})
    modal = bot.fake.wait_for("views.open", predicate=_callback("privacy_export"))[-1]
    values = {"privacy_user": {"privacy_user": state_value("users_select", ERIN)}}
    assert (
        bot.submit(
            "privacy_export", values, user_id="UADMIN", view_id=modal.response["view"]["id"]
        ).status
        == 200
    )
    bot.fake.wait_for("files.completeUploadExternal")
    (upload,) = bot.fake.uploaded_files
    document = json.loads(upload.content)
    assert document["user_id"] == ERIN and "intake_requests" in document["tables"]
    with bot.session() as session:
        actions = [(e.action, e.actor, e.subject) for e in session.scalars(select(AuditEntry))]
    assert ("export", "UADMIN", ERIN) in actions


def test_a_member_who_is_not_admin_cannot_export_erase_or_change_privacy(
    erin_everywhere: BotHarness,
) -> None:
    bot = erin_everywhere
    home = {"id": "VHOME", "type": "home"}
    for action in ("privacy_open_export", "privacy_open_erase", "privacy_open_settings"):
        bot.action(action, user_id="U1", view=home)
    values = {
        "privacy_user": {"privacy_user": state_value("users_select", ERIN)},
        "privacy_confirm": {"privacy_confirm": state_value("checkboxes", ["yes"])},
    }
    bot.submit("privacy_erase", values, user_id="U1")
    refusals = wait_until(
        lambda: (
            [c for c in bot.fake.calls() if "Only workspace admins" in json.dumps(c.args)]
            if len([c for c in bot.fake.calls() if "Only workspace admins" in json.dumps(c.args)])
            >= 4
            else None
        )
    )
    assert refusals and len(refusals) >= 4
    assert not any(
        c.args["view"].get("callback_id", "").startswith("privacy")
        for c in bot.fake.calls("views.open")
    )
    assert rows_mentioning(bot, ERIN)  # nothing was erased
    with bot.session() as session:
        refused = [
            e.action for e in session.scalars(select(AuditEntry)) if e.action.startswith("refused")
        ]
    assert sorted(refused) == [
        "refused: erase data",
        "refused: open data erasure",
        "refused: open data export",
        "refused: open privacy settings",
    ]


def _callback(name: str) -> Any:
    return lambda call: call.ok and call.args["view"].get("callback_id") == name
