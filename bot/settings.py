"""Process settings, read once from the environment (and `.env`) and passed down.

The variable names are a contract with operators (see DESIGN.md, "Fixed names"): keep them.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.db.engine import database_url as parse_database_url


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class LogLevel(StrEnum):
    debug = "DEBUG"
    info = "INFO"
    warning = "WARNING"
    error = "ERROR"

    @classmethod
    def _missing_(cls, value: object) -> LogLevel | None:
        return cls.__members__.get(value.lower()) if isinstance(value, str) else None

    @property
    def number(self) -> int:
        return int(logging.getLevelName(self.value))


class SlackMode(StrEnum):
    single_workspace = "single-workspace"
    socket = "socket"
    oauth = "oauth"


class DatabaseSettings(BaseSettings):
    """What the database commands need (db upgrade, privacy export/erase): no Slack credentials."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        populate_by_name=True,
        # An empty variable is an unset one: compose files and platform dashboards write
        # `SLACK_APP_TOKEN=` for "not used" (see compose.yaml).
        env_ignore_empty=True,
    )

    database_url: str = Field(default="sqlite:///revops-bot.db", alias="DATABASE_URL")
    log_format: LogFormat = Field(default=LogFormat.text, alias="LOG_FORMAT")
    log_level: LogLevel = Field(default=LogLevel.info, alias="LOG_LEVEL")
    secret_key: SecretStr | None = Field(default=None, alias="SECRET_KEY")
    # Error reporting to Sentry (the `revops-bot[sentry]` extra); off when unset.
    sentry_dsn: SecretStr | None = Field(default=None, alias="SENTRY_DSN")
    # Semantic matching of drafts to docs (the `revops-bot[semantic]` extra, bot/semantic.py):
    # off by default; on but not installed logs one line and matches with full-text only.
    semantic_matching: bool = Field(default=False, alias="SEMANTIC_MATCHING")

    @field_validator("database_url")
    @classmethod
    def _parseable_database_url(cls, url: str) -> str:
        """postgres:// and postgresql:// (as platforms write them) become postgresql+psycopg://;
        the value is never echoed back (it may hold a password)."""
        try:
            parsed = parse_database_url(url)
        except (ArgumentError, ValueError) as exc:
            raise ValueError("expected a SQLAlchemy URL such as sqlite:///revops-bot.db") from exc
        if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("expected a sqlite:///, postgres:// or postgresql:// URL")
        if "@" in (parsed.host or ""):
            raise ValueError("write an '@' in the user name or password as %40")
        if parsed.drivername == make_url(url).drivername:
            return url
        return parsed.render_as_string(hide_password=False)

    @property
    def safe_database_url(self) -> str:
        """The database URL with its password hidden, fit for logs and error lines."""
        return make_url(self.database_url).render_as_string(hide_password=True)


class Settings(DatabaseSettings):
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr = Field(
        alias="SLACK_SIGNING_SECRET",
        description="the Signing Secret from the Slack app's Basic Information page",
    )
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://slack.com/api/"), alias="SLACK_API_URL"
    )

    port: Annotated[int, Field(ge=1, le=65535)] = Field(default=3000, alias="PORT")

    hubspot_client_secret: SecretStr | None = Field(default=None, alias="HUBSPOT_CLIENT_SECRET")
    hubspot_access_token: SecretStr | None = Field(default=None, alias="HUBSPOT_ACCESS_TOKEN")
    hubspot_api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://api.hubapi.com"), alias="HUBSPOT_API_URL"
    )

    # Salesforce closed-won → wins (bot/celebrations/salesforce.py), three ways to log in: a
    # connected app's consumer key with the JWT bearer flow (private key) or the OAuth
    # username-password flow (consumer secret, password + security token); or, without any
    # connected app, the SOAP login of a username, password and security token. Nothing is
    # polled until SALESFORCE_USERNAME and one of those is set.
    salesforce_login_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://login.salesforce.com"), alias="SALESFORCE_LOGIN_URL"
    )
    salesforce_client_id: str | None = Field(default=None, alias="SALESFORCE_CLIENT_ID")
    salesforce_client_secret: SecretStr | None = Field(
        default=None, alias="SALESFORCE_CLIENT_SECRET"
    )
    salesforce_username: str | None = Field(default=None, alias="SALESFORCE_USERNAME")
    salesforce_password: SecretStr | None = Field(default=None, alias="SALESFORCE_PASSWORD")
    salesforce_security_token: SecretStr | None = Field(
        default=None, alias="SALESFORCE_SECURITY_TOKEN"
    )
    salesforce_private_key: SecretStr | None = Field(default=None, alias="SALESFORCE_PRIVATE_KEY")
    salesforce_private_key_file: str | None = Field(
        default=None, alias="SALESFORCE_PRIVATE_KEY_FILE"
    )
    salesforce_api_version: Annotated[str, Field(pattern=r"^\d{2,3}\.0$")] = Field(
        default="62.0", alias="SALESFORCE_API_VERSION"
    )
    # The workspace Salesforce wins go to; needed only when the bot serves several workspaces.
    salesforce_team_id: str | None = Field(default=None, alias="SALESFORCE_TEAM_ID")
    salesforce_poll_seconds: Annotated[int, Field(ge=15, le=3600)] = Field(
        default=60, alias="SALESFORCE_POLL_SECONDS"
    )
    # An outage (every poll timing out or failing with 5xx) is told to an admin once it lasts
    # this long, and again when a poll works.
    salesforce_outage_minutes: Annotated[int, Field(ge=1, le=1440)] = Field(
        default=30, alias="SALESFORCE_OUTAGE_MINUTES"
    )
    # POST /webhooks/salesforce (a record-triggered Flow pushes won opportunities) wants
    # `Authorization: Bearer <SALESFORCE_WEBHOOK_SECRET>`; the route refuses everything unset.
    salesforce_webhook_secret: SecretStr | None = Field(
        default=None, alias="SALESFORCE_WEBHOOK_SECRET"
    )

    # Work trackers (bot/trackers/): accepted requests become issues, and follow them. Jira
    # Cloud logs in with JIRA_EMAIL + JIRA_API_TOKEN, Jira Data Center with a personal access
    # token (JIRA_PAT). The project and issue type are chosen in App Home.
    jira_base_url: AnyHttpUrl | None = Field(default=None, alias="JIRA_BASE_URL")
    jira_email: str | None = Field(default=None, alias="JIRA_EMAIL")
    jira_api_token: SecretStr | None = Field(default=None, alias="JIRA_API_TOKEN")
    jira_pat: SecretStr | None = Field(default=None, alias="JIRA_PAT")
    # POST /webhooks/jira: Jira Cloud signs with this secret (X-Hub-Signature, HMAC-SHA256);
    # a Data Center webhook sends it in the URL (?secret=) or as a bearer token instead.
    jira_webhook_secret: SecretStr | None = Field(default=None, alias="JIRA_WEBHOOK_SECRET")
    # Story points become hours for the ETA (time tracking's original estimate is used first).
    jira_story_points_field: str = Field(
        default="customfield_10016", alias="JIRA_STORY_POINTS_FIELD"
    )
    jira_hours_per_story_point: Annotated[float, Field(gt=0, le=100)] = Field(
        default=4.0, alias="JIRA_HOURS_PER_STORY_POINT"
    )
    # Linear for accepted requests (bot/trackers/linear.py, README "Linear"): a personal API key
    # (or an OAuth access token, "Bearer ..." included) and the signing secret Linear shows for
    # the webhook that calls POST /webhooks/linear. The team is chosen in App Home.
    linear_api_key: SecretStr | None = Field(default=None, alias="LINEAR_API_KEY")
    linear_webhook_secret: SecretStr | None = Field(default=None, alias="LINEAR_WEBHOOK_SECRET")
    linear_api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://api.linear.app/graphql"), alias="LINEAR_API_URL"
    )
    # Linear estimates are points on the team's scale; the ETA wants hours. Half a day a point
    # suits the usual Fibonacci scale (1, 2, 3, 5, 8); teams whose point is a day set 8.
    linear_hours_per_point: Annotated[float, Field(gt=0, le=1000)] = Field(
        default=4.0, alias="LINEAR_HOURS_PER_POINT"
    )
    # How often a connected tracker is asked what changed (for trackers that cannot reach the
    # bot's webhook; with the webhook, polling catches what a lost delivery missed).
    tracker_poll_seconds: Annotated[int, Field(ge=15, le=3600)] = Field(
        default=120, alias="TRACKER_POLL_SECONDS"
    )

    # Operational knobs beyond the contract; defaults suit one small team.
    web_concurrency: Annotated[int, Field(ge=1, le=64)] = Field(default=1, alias="WEB_CONCURRENCY")
    web_threads: Annotated[int, Field(ge=1, le=256)] = Field(default=16, alias="WEB_THREADS")
    listener_threads: Annotated[int, Field(ge=1, le=512)] = Field(
        default=32, alias="LISTENER_THREADS"
    )
    # Pacing of scheduled posts, under Slack's limits for chat.postMessage.
    send_rate_per_minute: Annotated[float, Field(gt=0)] = Field(
        default=300.0, alias="SEND_RATE_PER_MINUTE"
    )
    send_rate_per_channel_per_second: Annotated[float, Field(gt=0)] = Field(
        default=1.0, alias="SEND_RATE_PER_CHANNEL_PER_SECOND"
    )
    send_threads: Annotated[int, Field(ge=1, le=32)] = Field(default=4, alias="SEND_THREADS")
    # GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` when set; open otherwise.
    metrics_token: SecretStr | None = Field(default=None, alias="METRICS_TOKEN")
    # `revops-bot clock` serves /metrics on this port when set (`serve` uses PORT).
    metrics_port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        default=None, alias="METRICS_PORT"
    )

    @field_validator("slack_api_url", "hubspot_api_url")
    @classmethod
    def _ends_with_slash(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        # slack_sdk joins base_url and method name by plain concatenation.
        text = str(url)
        return url if text.endswith("/") else AnyHttpUrl(text + "/")

    @model_validator(mode="after")
    def _credentials_for_the_chosen_mode(self) -> Settings:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            missing = (
                "SLACK_CLIENT_SECRET" if self.slack_client_secret is None else "SLACK_CLIENT_ID"
            )
            raise ValueError(
                f"{missing}: both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET turn on OAuth"
            )
        if self.slack_client_id is None and self.slack_bot_token is None:
            raise ValueError(
                "SLACK_BOT_TOKEN: required (an xoxb- token) unless SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET are set for multi-workspace install"
            )
        if (
            self.slack_app_token is not None
            and not self.slack_app_token.get_secret_value().startswith("xapp-")
        ):
            raise ValueError("SLACK_APP_TOKEN: expected an app-level token starting with xapp-")
        self._salesforce_flow()
        self._jira_credentials()
        return self

    def _jira_credentials(self) -> None:
        """A Jira URL needs one way to log in; half of Cloud's pair is refused at start."""
        if (self.jira_email is None) != (self.jira_api_token is None):
            missing = "JIRA_API_TOKEN" if self.jira_api_token is None else "JIRA_EMAIL"
            raise ValueError(f"{missing}: Jira Cloud needs both JIRA_EMAIL and JIRA_API_TOKEN")
        if self.jira_base_url is not None and self.jira_api_token is None and self.jira_pat is None:
            raise ValueError(
                "JIRA_BASE_URL: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT "
                "(Jira Data Center)"
            )

    def _salesforce_flow(self) -> None:
        """Half a Salesforce configuration is refused at start, naming what is missing."""
        credentials = (
            self.salesforce_client_id,
            self.salesforce_password,
            self.salesforce_private_key,
            self.salesforce_private_key_file,
        )
        if self.salesforce_username is None and all(c is None for c in credentials):
            return  # Salesforce off (the push route needs only SALESFORCE_WEBHOOK_SECRET)
        if self.salesforce_username is None:
            raise ValueError(
                "SALESFORCE_USERNAME: Salesforce needs the integration user's username"
            )
        if self.salesforce_client_id is None:
            if self.salesforce_password is not None and self.salesforce_security_token:
                return  # SOAP login: username, password and security token, no connected app
            raise ValueError(
                "SALESFORCE_CLIENT_ID: set a connected app's consumer key, or "
                "SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN (login without a connected app)"
            )
        if self.salesforce_private_key is not None or self.salesforce_private_key_file:
            return
        if self.salesforce_client_secret is None or self.salesforce_password is None:
            raise ValueError(
                "SALESFORCE_PRIVATE_KEY: set it (JWT bearer flow), or SALESFORCE_CLIENT_SECRET "
                "and SALESFORCE_PASSWORD (username-password flow)"
            )

    @property
    def salesforce_configured(self) -> bool:
        return self.salesforce_username is not None and (
            self.salesforce_client_id is not None
            or (self.salesforce_password is not None and bool(self.salesforce_security_token))
        )

    @property
    def salesforce_login_mode(self) -> str:
        """'jwt', 'oauth-password' or 'soap' (see _salesforce_flow); '' when not configured."""
        if not self.salesforce_configured:
            return ""
        if self.salesforce_client_id is None:
            return "soap"
        if self.salesforce_private_key is not None or self.salesforce_private_key_file:
            return "jwt"
        return "oauth-password"

    @property
    def slack_mode(self) -> SlackMode:
        if self.slack_client_id is not None:
            return SlackMode.oauth
        if self.slack_app_token is not None:
            return SlackMode.socket
        return SlackMode.single_workspace


class SettingsError(Exception):
    """Settings could not be read; `str()` is one line naming the variable and what it expects."""


SettingsT = TypeVar("SettingsT", bound=DatabaseSettings)


def load_settings(kind: type[SettingsT], **overrides: Any) -> SettingsT:
    """Read the environment once; raise SettingsError with one readable line on bad input."""
    try:
        return kind(**overrides)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


# Inputs that may be echoed back; any other value could hold a token or a password.
_SHOWABLE_INPUTS = {
    "PORT",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SLACK_API_URL",
    "HUBSPOT_API_URL",
    "SALESFORCE_LOGIN_URL",
    "SALESFORCE_API_VERSION",
    "SALESFORCE_POLL_SECONDS",
    "JIRA_BASE_URL",
    "JIRA_STORY_POINTS_FIELD",
    "JIRA_HOURS_PER_STORY_POINT",
    "TRACKER_POLL_SECONDS",
    "LINEAR_API_URL",
    "LINEAR_HOURS_PER_POINT",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "LISTENER_THREADS",
    "SEND_RATE_PER_MINUTE",
    "SEND_RATE_PER_CHANNEL_PER_SECOND",
    "SEND_THREADS",
    "METRICS_PORT",
}


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            field = next((f for f in Settings.model_fields.values() if f.alias == where), None)
            expected = f": {field.description}" if field and field.description else ""
            problems.append(f"{where} is missing{expected}")
        elif where in _SHOWABLE_INPUTS:
            problems.append(f"{where}: {message} (got {error.get('input')!r})")
        elif where:
            problems.append(f"{where}: {message}")
        else:
            problems.append(message)
    return "configuration error: " + "; ".join(problems)
