"""Settings: every contract variable, clear errors, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.settings import DatabaseSettings, Settings, SettingsError, SlackMode, load_settings
from bot.slack.scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}
CONTRACT = {
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "HUBSPOT_CLIENT_SECRET",
    "HUBSPOT_ACCESS_TOKEN",
    "HUBSPOT_API_URL",
    "SECRET_KEY",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SENTRY_DSN",
    "METRICS_TOKEN",
    "SALESFORCE_LOGIN_URL",
    "SALESFORCE_CLIENT_ID",
    "SALESFORCE_CLIENT_SECRET",
    "SALESFORCE_USERNAME",
    "SALESFORCE_PASSWORD",
    "SALESFORCE_SECURITY_TOKEN",
    "SALESFORCE_PRIVATE_KEY",
    "SALESFORCE_PRIVATE_KEY_FILE",
    "SALESFORCE_API_VERSION",
    "SALESFORCE_TEAM_ID",
    "SALESFORCE_POLL_SECONDS",
    "SALESFORCE_OUTAGE_MINUTES",
    "SALESFORCE_WEBHOOK_SECRET",
}


@pytest.fixture(autouse=True)
def _no_ambient_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CONTRACT | {"WEB_CONCURRENCY", "WEB_THREADS", "LISTENER_THREADS"}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_of_the_contract() -> None:
    settings = load_settings(Settings, **MINIMAL)
    assert str(settings.slack_api_url) == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///revops-bot.db"
    assert settings.port == 3000
    assert str(settings.hubspot_api_url) == "https://api.hubapi.com/"
    assert settings.log_format == "text"
    assert settings.slack_mode is SlackMode.single_workspace


def test_every_contract_variable_is_a_setting_and_documented() -> None:
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert aliases >= CONTRACT
    example = (ROOT / "config" / ".env.example").read_text()
    assert all(name in example for name in aliases)


def test_variables_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_SIGNING_SECRET=from-file\nSLACK_BOT_TOKEN=xoxb-2\nPORT=8080\n"
    )
    settings = load_settings(Settings)
    assert settings.port == 8080
    assert settings.slack_signing_secret.get_secret_value() == "from-file"


def test_an_api_url_without_trailing_slash_still_joins_method_names() -> None:
    settings = load_settings(Settings, **MINIMAL, SLACK_API_URL="https://slack-gov.com/api")
    assert str(settings.slack_api_url) == "https://slack-gov.com/api/"


def test_modes_follow_the_credentials() -> None:
    assert (
        load_settings(Settings, **MINIMAL, SLACK_APP_TOKEN="xapp-1").slack_mode is SlackMode.socket
    )
    oauth = load_settings(
        Settings, SLACK_SIGNING_SECRET="s", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="c"
    )
    assert oauth.slack_mode is SlackMode.oauth


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "seventy"}, "PORT"),
        ({"LOG_FORMAT": "yaml"}, "LOG_FORMAT"),
        ({"DATABASE_URL": "mysql://db/revops"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack"}, "SLACK_API_URL"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"SALESFORCE_API_VERSION": "v62"}, "SALESFORCE_API_VERSION"),
        ({"SALESFORCE_POLL_SECONDS": "1"}, "SALESFORCE_POLL_SECONDS"),
        ({"SALESFORCE_CLIENT_ID": "3MVG9"}, "SALESFORCE_USERNAME"),
        ({"SALESFORCE_USERNAME": "bot@acme.example"}, "SALESFORCE_CLIENT_ID"),
        (
            {"SALESFORCE_USERNAME": "bot@acme.example", "SALESFORCE_PASSWORD": "no-token"},
            "SALESFORCE_SECURITY_TOKEN",
        ),
        ({"SALESFORCE_PASSWORD": "pw", "SALESFORCE_SECURITY_TOKEN": "t"}, "SALESFORCE_USERNAME"),
        (
            {"SALESFORCE_CLIENT_ID": "3MVG9", "SALESFORCE_USERNAME": "bot@acme.example"},
            "SALESFORCE_PRIVATE_KEY",
        ),
    ],
)
def test_malformed_values_name_the_variable(overrides: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(Settings, **{**MINIMAL, **overrides})
    message = str(error.value)
    assert expected in message and "\n" not in message


def test_database_settings_alone_need_no_slack_credentials() -> None:
    assert load_settings(DatabaseSettings).database_url == "sqlite:///revops-bot.db"


def test_secrets_do_not_show_in_repr() -> None:
    settings = load_settings(Settings, **MINIMAL, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="cs-9")
    assert "xoxb-1" not in repr(settings) and "cs-9" not in repr(settings)


def test_salesforce_is_off_until_configured_and_its_secrets_never_show() -> None:
    assert not load_settings(Settings, **MINIMAL).salesforce_configured
    settings = load_settings(
        Settings,
        **MINIMAL,
        SALESFORCE_CLIENT_ID="3MVG9",
        SALESFORCE_USERNAME="bot@acme.example",
        SALESFORCE_CLIENT_SECRET="sf-consumer-secret",
        SALESFORCE_PASSWORD="sf-password",
        SALESFORCE_SECURITY_TOKEN="sf-security-token",
    )
    assert settings.salesforce_configured
    assert str(settings.salesforce_login_url) == "https://login.salesforce.com/"
    for secret in ("sf-consumer-secret", "sf-password", "sf-security-token"):
        assert secret not in repr(settings)
    with pytest.raises(SettingsError) as error:
        load_settings(
            Settings,
            **MINIMAL,
            SALESFORCE_CLIENT_ID="3MVG9",
            SALESFORCE_USERNAME="bot@acme.example",
            SALESFORCE_PASSWORD="sf-password-only",
        )
    assert "sf-password-only" not in str(error.value)


def test_salesforce_login_modes_follow_what_is_set() -> None:
    """A connected app (JWT or OAuth password), or none: the SOAP login of a username, a
    password and a security token."""
    user = {"SALESFORCE_USERNAME": "bot@acme.example"}
    password = {"SALESFORCE_PASSWORD": "pw", "SALESFORCE_SECURITY_TOKEN": "tok"}
    app = {"SALESFORCE_CLIENT_ID": "3MVG9"}
    modes = {
        "soap": {**user, **password},
        "oauth-password": {**user, **password, **app, "SALESFORCE_CLIENT_SECRET": "cs"},
        "jwt": {**user, **app, "SALESFORCE_PRIVATE_KEY_FILE": "/run/secrets/salesforce.key"},
    }
    for mode, values in modes.items():
        settings = load_settings(Settings, **MINIMAL, **values)
        assert settings.salesforce_configured and settings.salesforce_login_mode == mode
    assert load_settings(Settings, **MINIMAL).salesforce_login_mode == ""


def test_password_is_hidden_in_the_database_url_shown() -> None:
    settings = load_settings(
        Settings, **MINIMAL, DATABASE_URL="postgresql+psycopg://u:pw123@db:5432/revops"
    )
    assert settings.safe_database_url == "postgresql+psycopg://u:***@db:5432/revops"


def test_manifest_declares_the_commands_and_exactly_the_scopes_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "config" / "manifest.yml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    commands = {command["command"] for command in manifest["features"]["slash_commands"]}
    assert commands == {"/revops-request", "/revops-project", "/revops-win"}
    urls = {command["url"] for command in manifest["features"]["slash_commands"]}
    urls |= {manifest["settings"]["interactivity"]["request_url"]}
    urls |= {manifest["settings"]["event_subscriptions"]["request_url"]}
    assert {url.rsplit("/", 2)[-2:] == ["slack", "events"] for url in urls} == {True}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")


def test_procfile_runs_web_clock_and_release() -> None:
    lines = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert lines == {
        "web": "revops-bot serve --no-scheduler",
        "clock": "revops-bot clock",
        "release": "revops-bot db upgrade",
    }


def test_an_empty_variable_is_an_unset_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose.yaml passes every variable, `${SLACK_APP_TOKEN:-}` included: empty means unset."""
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SECRET_KEY", "PORT"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    settings = load_settings(Settings)
    assert settings.slack_mode is SlackMode.single_workspace
    assert settings.secret_key is None and settings.port == 3000
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is missing"):
        load_settings(Settings)
