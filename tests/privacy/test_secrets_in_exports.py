"""An export never carries a credential: the installer's export leaves the installation's bot
token (plain `xoxb-` without SECRET_KEY, Fernet `gAAAA…` with it) out, from the CLI and from the
Home tab, where the file is uploaded into a Slack DM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import BotHarness
from tests.privacy.helpers import HOME, install, oauth_harness
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import state_value


@pytest.fixture(params=["no SECRET_KEY", "SECRET_KEY"])
def installed_by_u9(
    request: pytest.FixtureRequest, fake_slack: FakeSlack, database_url: str
) -> Iterator[BotHarness]:
    extra = (
        {"SECRET_KEY": "a long passphrase nobody guesses"} if request.param == "SECRET_KEY" else {}
    )
    bot = oauth_harness(fake_slack, database_url, **extra)
    bot.fake.add_workspace(team_id="T2", token="xoxb-T2-secret", bot_user_id="UBOT2")
    bot.fake.add_user(team_id="T2", user_id="U9", tz="Europe/Paris", locale="en-US", is_admin=True)
    install(bot, "T2", "code-9", installer="U9")
    yield bot
    bot.close()


def test_the_installers_export_holds_no_token(
    installed_by_u9: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bot = installed_by_u9
    out = tmp_path / "u9.json"
    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T2",
            "--user",
            "U9",
            "--out",
            str(out),
            monkeypatch=monkeypatch,
        )
        == 0
    )
    by_cli = out.read_text()
    (installation,) = json.loads(by_cli)["tables"]["slack_installations"]
    assert installation["user_id"] == "U9" and installation["team_id"] == "T2"

    bot.action("privacy_open_export", user_id="U9", view=HOME, team_id="T2")
    (modal,) = bot.fake.wait_for(
        "views.open",
        predicate=lambda c: c.ok and c.args["view"].get("callback_id") == "privacy_export",
    )
    values = {"privacy_user": {"privacy_user": state_value("users_select", "U9")}}
    bot.submit(
        "privacy_export", values, user_id="U9", team_id="T2", view_id=modal.response["view"]["id"]
    )
    bot.fake.wait_for("files.completeUploadExternal")
    (upload,) = bot.fake.uploaded_files
    by_dm = upload.content.decode() if isinstance(upload.content, bytes) else upload.content
    assert "slack_installations" in json.loads(by_dm)["tables"]

    for document in (by_cli, by_dm):
        assert "xoxb-" not in document and "gAAAA" not in document
        (row,) = json.loads(document)["tables"]["slack_installations"]
        assert not {"bot_token", "bot_refresh_token", "user_token"} & set(row)
