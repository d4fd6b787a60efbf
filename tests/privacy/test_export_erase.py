"""Right of access and right to erasure across every domain, on data made through real flows.

Erin (UERASE, erase.me@example.com) installs the app (OAuth, with a user token and an incoming
webhook), is a workspace admin and on the RevOps team. She files a request, answers someone
else's with a doc, owns a project and posts its check-in (recording a KPI), issues the webhook
token, wins a deal announced by e-mail from a CRM, reacts to the win, gets a digest and
unsubscribes; Bruno mentions her and pastes her e-mail in his own request. Then her data is
exported and erased, and every table is scanned, column by column, for her id, e-mail and name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.celebrations.models import Win
from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest
from bot.privacy.models import AuditEntry
from bot.privacy.service import ERASED_TEXT, pseudonym
from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Project
from bot.workspaces.models import Member
from tests.celebrations.helpers import configure
from tests.celebrations.test_reactions import reaction
from tests.harness import BotHarness, http
from tests.intake.helpers import REVOPS_GROUP, REVOPS_MEMBER, act, file_request, set_up_intake
from tests.intake.test_docs import doc_values
from tests.privacy.helpers import HOME, install, oauth_harness, rows_mentioning
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    at_local,
    click,
    create_project,
    next_weekday,
    run_job,
    submit,
    text,
    today,
)
from tests.projects.test_checkins import checkin_cards, update_values
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import state_value

ERIN, ERIN_EMAIL = "UERASE", "erase.me@example.com"
SECRETS_OF_THE_INSTALL = ("xoxb-", "xoxp-erin-secret", "hooks.slack.com/services/T1/B1/erin")


def issue_webhook_token(bot: BotHarness, user: str) -> str:
    bot.action("workspace_issue_webhook_token", user_id=user, view=HOME)
    (opened,) = bot.fake.wait_for(
        "views.open", predicate=lambda call: "rvb_" in json.dumps(call.args.get("view"))
    )
    shown = json.dumps(opened.args["view"])
    return "rvb_" + shown.split("rvb_")[1].split("`")[0].split('"')[0].split("\\")[0]


@pytest.fixture
def erin_everywhere(
    fake_slack: FakeSlack, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BotHarness]:
    bot = oauth_harness(fake_slack, database_url)
    try:
        _everywhere(bot, monkeypatch)
        yield bot
    finally:
        bot.close()


def _everywhere(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = bot.fake
    fake.add_user(
        user_id=ERIN,
        real_name="Erin Example",
        email=ERIN_EMAIL,
        tz="Europe/Paris",
        locale="en-US",
        is_admin=True,
    )
    fake.oauth_codes["install"] = {
        "team_id": "T1",
        "authed_user": {
            "id": ERIN,
            "scope": "search:read",
            "access_token": "xoxp-erin-secret",
            "token_type": "user",
        },
        "incoming_webhook": {
            "url": "https://hooks.slack.com/services/T1/B1/erin",
            "channel": "#general",
            "channel_id": "C1",
            "configuration_url": "https://example.slack.com/services/B1",
        },
    }
    install(bot, "T1", "install", installer=ERIN)
    fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    fake.add_channel(channel_id="CWINS", name="wins")
    set_up_intake(bot)
    fake.add_usergroup(usergroup_id=REVOPS_GROUP, handle="revops", users=[REVOPS_MEMBER, ERIN])
    configure(bot, channel="CWINS")

    file_request(
        bot,
        user=ERIN,
        title="My own pipeline view",
        need=f"I want my numbers before my 1:1 with <@U1>, mail me at {ERIN_EMAIL}",
    )
    file_request(
        bot,
        user="U2",
        title="Quota sheet for the DACH team",
        need="Ask <@UERASE> how she built hers, or write to Erase.Me@example.com.",
    )
    answered = file_request(bot, user="U1", title="Pipeline by region dashboard")
    act(bot, Action.answer_doc, Callback.answer_doc, answered, doc_values(), user=ERIN)
    bot.idle()
    assert bot.fake.dms_to("U1")

    create_project(
        bot,
        user=ERIN,
        **{
            "name": text("CPQ with <@UERASE>"),
            "owner": state_value("users_select", ERIN),
            "members": state_value("multi_users_select", ["U2"]),
            "milestones.0.name": text("GO/NO-GO with <@UERASE>"),
        },
    )
    tuesday = next_weekday(TUESDAY, after=today())
    assert (
        run_job(bot, "project-checkin", at_local(tuesday, 10, 5, "Europe/Paris"), monkeypatch) == 0
    )
    card = checkin_cards(bot)[-1]
    assert click(bot, card, ProjectAction.post_update, user=ERIN).status == 200
    (opened,) = bot.fake.wait_for("views.open", predicate=_callback(ProjectView.update))
    modal = opened.response["view"]
    assert ack_errors(submit(bot, modal, update_values(bot, win_rate="24"), user=ERIN)) == {}
    bot.fake.wait_for("chat.update", predicate=lambda call: call.args.get("ts") == card["ts"])

    token = issue_webhook_token(bot, ERIN)
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
    bot.idle()
    (post,) = [m for m in bot.fake.messages("CWINS") if "Initech" in str(m)]
    assert bot.fake.calls("reactions.add")  # the bot knows its post by now
    bot.event(reaction("reaction_added", ERIN, "CWINS", post["ts"]))
    bot.idle()
    assert "win_reactions.user_id (1)" in rows_mentioning(bot, ERIN)

    report = bot.runtime.runner.tick(
        "weekly-digest", now=datetime.now(UTC) + timedelta(days=1), team_id="T1", forced=True
    )
    assert report.sent >= 1 and bot.fake.dms_to(ERIN)
    bot.action("digest_unsubscribe", user_id=ERIN, view=HOME)
    bot.idle()
    assert "digest_opt_outs.user_id (1)" in rows_mentioning(bot, ERIN)


EVERYWHERE = (
    "members",
    "slack_installations",
    "webhook_tokens",
    "deliveries",
    "digest_opt_outs",
    "intake_requests",
    "intake_request_events",
    "intake_docs",
    "intake_settings",
    "projects",
    "project_checkins",
    "project_milestones",
    "project_kpi_values",
    "celebration_email_users",
    "win_winners",
    "win_reactions",
)


def test_export_lists_everything_and_erasure_leaves_nothing_personal(
    erin_everywhere: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bot = erin_everywhere
    assert rows_mentioning(bot, ERIN) and rows_mentioning(bot, ERIN_EMAIL)

    out = tmp_path / "erin.json"
    exported = bot.cli(
        "privacy",
        "export",
        "--team",
        "T1",
        "--user",
        ERIN,
        "--out",
        str(out),
        "--by",
        "dpo",
        monkeypatch=monkeypatch,
    )
    assert exported == 0
    document = out.read_text()
    export = json.loads(document)
    assert export["schema"] == "revops-bot/export/v1" and export["user_id"] == ERIN
    tables = export["tables"]
    missing = [name for name in EVERYWHERE if name not in tables]
    assert not missing, f"missing from the export: {missing}; has {sorted(tables)}"
    titles = {row["title"] for row in tables["intake_requests"]}
    assert {"My own pipeline view", "Quota sheet for the DACH team"} <= titles
    assert tables["win_winners"][0]["email"] == ERIN_EMAIL
    assert ERIN in tables["intake_settings"][0]["revops_member_ids"]
    assert tables["slack_installations"][0]["user_id"] == ERIN
    for secret in SECRETS_OF_THE_INSTALL:
        assert secret not in document, secret  # credentials never leave the database
    assert "bot_token" not in tables["slack_installations"][0]
    assert "token_sha256" not in tables["webhook_tokens"][0]

    with bot.session() as session:
        before = [
            session.scalar(select(func.count()).select_from(model))
            for model in (IntakeRequest, Project, Win)
        ]

    assert (
        bot.cli(
            "privacy",
            "erase",
            "--team",
            "T1",
            "--user",
            ERIN,
            "--yes",
            "--by",
            "dpo",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    for needle in (ERIN, ERIN_EMAIL, "Erase.Me", "Erin Example", "xoxp-erin-secret"):
        assert rows_mentioning(bot, needle) == [], needle

    alias = pseudonym(team_id="T1", user_id=ERIN, secret=None)
    with bot.session() as session:
        after = [
            session.scalar(select(func.count()).select_from(model))
            for model in (IntakeRequest, Project, Win)
        ]
        requests = {r.number: r for r in session.scalars(select(IntakeRequest))}
        project = session.scalars(select(Project)).one()
        erasure = session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
        export_entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert after == before  # counts and totals are not personal: they stay
    own, bruno = requests[1], requests[2]
    assert (own.requester_id, own.title, own.need) == (alias, ERASED_TEXT, ERASED_TEXT)
    assert bruno.title == "Quota sheet for the DACH team"  # Bruno's words stay, not Erin's
    assert bruno.need == f"Ask <@{alias}> how she built hers, or write to {ERASED_TEXT}."
    assert project.owner_id == alias and project.name == f"CPQ with <@{alias}>"
    assert erasure is not None and erasure.subject == alias and erasure.actor == "cli:dpo"
    assert sum(erasure.details["rows"].values()) > 10
    assert export_entry is not None and export_entry.actor == "cli:dpo"
    assert export_entry.details["rows"] == sum(len(rows) for rows in tables.values())

    # Twice is harmless: nothing left to change, and the second request is recorded too.
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", ERIN, "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    with bot.session() as session:
        second = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erase").order_by(AuditEntry.id)
        ).all()[-1]
    assert second.details["rows"] == {}


def test_an_admin_exports_from_home_and_gets_the_file_by_dm(erin_everywhere: BotHarness) -> None:
    bot = erin_everywhere
    bot.action("privacy_open_export", user_id="UADMIN", view=HOME)
    modal = bot.fake.wait_for("views.open", predicate=_callback("privacy_export"))[-1]
    values = {"privacy_user": {"privacy_user": state_value("users_select", ERIN)}}
    submitted = bot.submit(
        "privacy_export", values, user_id="UADMIN", view_id=modal.response["view"]["id"]
    )
    assert submitted.status == 200
    bot.fake.wait_for("files.completeUploadExternal")
    (upload,) = bot.fake.uploaded_files
    content = upload.content.decode() if isinstance(upload.content, bytes) else upload.content
    document = json.loads(content)
    assert document["user_id"] == ERIN and "intake_requests" in document["tables"]
    for secret in SECRETS_OF_THE_INSTALL:
        assert secret not in content, secret
    with bot.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry is not None and (entry.actor, entry.subject) == ("UADMIN", ERIN)
    # The file is made when its DM is sent: it also holds this export's own audit entry and the
    # ledger row that carried it, which did not exist when the rows were counted.
    assert entry.details["rows"] + 2 == sum(len(rows) for rows in document["tables"].values())
    assert any(row["action"] == "export" for row in document["tables"]["privacy_audit"])
    assert len(document["tables"]["deliveries"]) >= 1


def test_an_admin_erases_from_home_after_confirming(erin_everywhere: BotHarness) -> None:
    bot = erin_everywhere
    bot.action("privacy_open_erase", user_id="UADMIN", view=HOME)
    modal = bot.fake.wait_for("views.open", predicate=_callback("privacy_erase"))[-1]
    view_id = modal.response["view"]["id"]
    chosen = {"privacy_user": {"privacy_user": state_value("users_select", ERIN)}}
    unconfirmed = bot.submit("privacy_erase", chosen, user_id="UADMIN", view_id=view_id)
    assert unconfirmed.json["response_action"] == "errors"
    assert "cannot be undone" in unconfirmed.json["errors"]["privacy_confirm"]
    bot.idle()
    assert rows_mentioning(bot, ERIN)  # nothing erased without the box ticked

    confirmed = {
        **chosen,
        "privacy_confirm": {"privacy_confirm": state_value("checkboxes", ["yes"])},
    }
    assert bot.submit("privacy_erase", confirmed, user_id="UADMIN", view_id=view_id).status == 200
    alias = pseudonym(team_id="T1", user_id=ERIN, secret=None)
    bot.idle()
    told = [m for m in bot.fake.dms_to("UADMIN") if "is erased" in m.get("text", "")]
    assert told and alias in told[0]["text"]
    assert rows_mentioning(bot, ERIN) == [] and rows_mentioning(bot, ERIN_EMAIL) == []
    with bot.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert entry is not None and (entry.actor, entry.subject) == ("UADMIN", alias)


def test_an_erased_member_who_had_unsubscribed_gets_no_digest_ever_again(
    erin_everywhere: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = erin_everywhere
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", ERIN, "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    digests_before = len(bot.fake.dms_to(ERIN))
    others_before = len(bot.fake.dms_to("U2"))

    # Three weeks of daily ticks: each day's first tick syncs the members from users.list,
    # where Erin still is.
    start = datetime.now(UTC) + timedelta(days=2)
    for day in range(21):
        for hour in (7, 9, 13):
            moment = (start + timedelta(days=day)).replace(hour=hour, minute=5)
            bot.runtime.runner.tick("weekly-digest", now=moment)
    assert len(bot.fake.dms_to(ERIN)) == digests_before
    assert len(bot.fake.dms_to("U2")) > others_before  # the digests did go out to others
    with bot.session() as session:
        assert session.get(Member, ("T1", ERIN)) is None  # not re-profiled by the sync
    assert bot.fake.calls("users.list")  # the sync did run

    # She opens the bot's Home tab again: a member afresh, and her opt-out still holds.
    bot.event({"type": "app_home_opened", "user": ERIN, "tab": "home"})
    bot.idle()
    home = [c for c in bot.fake.calls("views.publish", ok=True) if c.args["user_id"] == ERIN]
    assert "digest_resubscribe" in json.dumps(home[-1].args["view"])
    later = start + timedelta(days=28)
    for day in range(8):
        bot.runtime.runner.tick(
            "weekly-digest", now=(later + timedelta(days=day)).replace(hour=9, minute=5)
        )
    assert len(bot.fake.dms_to(ERIN)) == digests_before


def test_a_member_who_is_not_admin_cannot_export_erase_or_change_privacy(
    erin_everywhere: BotHarness,
) -> None:
    bot = erin_everywhere
    for action in ("privacy_open_export", "privacy_open_erase", "privacy_open_settings"):
        bot.action(action, user_id="U1", view=HOME)
    values = {
        "privacy_user": {"privacy_user": state_value("users_select", ERIN)},
        "privacy_confirm": {"privacy_confirm": state_value("checkboxes", ["yes"])},
    }
    bot.submit("privacy_erase", values, user_id="U1")
    bot.submit("privacy_export", values, user_id="U1")

    bot.idle()
    refusals = [c for c in bot.fake.calls() if "Only workspace admins" in json.dumps(c.args)]
    assert len(refusals) >= 5, refusals
    assert not any(
        c.args["view"].get("callback_id", "").startswith("privacy")
        for c in bot.fake.calls("views.open")
        if c.args.get("view")
    )
    assert bot.fake.uploaded_files == []  # nothing exported
    assert rows_mentioning(bot, ERIN)  # nothing was erased
    with bot.session() as session:
        refused = [
            e.action for e in session.scalars(select(AuditEntry)) if e.action.startswith("refused")
        ]
    assert sorted(refused) == [
        "refused: erase data",
        "refused: export data",
        "refused: open data erasure",
        "refused: open data export",
        "refused: open privacy settings",
    ]


def test_ids_match_whole_exporting_u1_leaves_out_u10_and_erasing_u1_keeps_u10_intact(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bot.fake.add_user(user_id="U10", real_name="Ulla Ten", tz="Europe/Paris", locale="en-US")
    set_up_intake(bot)
    file_request(bot, user="U1", title="Churn by cohort")
    file_request(bot, user="U10", title="Territory map for U10's team")
    file_request(bot, user="U2", title="Sync <@U10> and <@U1>", need="U10 leads, U1 helps")

    out = tmp_path / "u1.json"
    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T1",
            "--user",
            "U1",
            "--out",
            str(out),
            monkeypatch=monkeypatch,
        )
        == 0
    )
    tables = json.loads(out.read_text())["tables"]
    titles = sorted(row["title"] for row in tables["intake_requests"])
    assert titles == ["Churn by cohort", "Sync <@U10> and <@U1>"]
    assert all(row["user_id"] == "U1" for row in tables["members"])

    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", "U1", "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    alias = pseudonym(team_id="T1", user_id="U1", secret=None)
    with bot.session() as session:
        by_number = {r.number: r for r in session.scalars(select(IntakeRequest))}
        ulla = session.get(Member, ("T1", "U10"))
    assert by_number[2].title == "Territory map for U10's team"
    assert by_number[2].requester_id == "U10"
    assert by_number[3].title == f"Sync <@U10> and <@{alias}>"
    assert by_number[3].need == f"U10 leads, {alias} helps"
    assert ulla is not None


def _callback(name: str) -> Any:
    return lambda call: call.ok and call.args["view"].get("callback_id") == name


def test_an_export_leaves_out_the_semantic_vectors_of_the_users_requests(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With SEMANTIC_MATCHING on, requests carry a vector of their text (bytes): the export
    holds the text, never the vector (a JSON document could not hold it either)."""
    set_up_intake(bot)
    file_request(bot, user="U1", title="Churn by cohort")
    with bot.session() as session:
        session.execute(update(IntakeRequest).values(semantic_vector=b"\x00\x01" * 512))
    out = tmp_path / "u1.json"
    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T1",
            "--user",
            "U1",
            "--out",
            str(out),
            monkeypatch=monkeypatch,
        )
        == 0
    )
    (request,) = json.loads(out.read_text())["tables"]["intake_requests"]
    assert request["title"] == "Churn by cohort" and "semantic_vector" not in request
