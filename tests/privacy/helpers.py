"""Shared by the privacy tests: an OAuth bot, an install through Slack's OAuth flow, and a
scan of the whole schema for a value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, select

from bot.db.all_models import Base
from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from bot.workspaces.models import Workspace
from tests.harness import SIGNING_SECRET, BotHarness, http
from tests.slack.fake_slack import FakeSlack

HOME = {"id": "VHOME", "type": "home"}


def oauth_harness(fake: FakeSlack, database_url: str, **extra: str) -> BotHarness:
    environment = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        **extra,
    }
    return BotHarness(build_runtime(load_settings(Settings, **environment)), fake, environment)


def install(bot: BotHarness, team_id: str, code: str, *, installer: str = "U9") -> None:
    """Slack's OAuth flow, as a browser runs it: /slack/install, then the redirect back."""
    bot.fake.oauth_codes[code] = {"team_id": team_id, "user_id": installer}
    page = bot.get("/slack/install")
    state = page.text.split("state=")[1].split('"')[0].split("&")[0]
    cookie = page.headers["set-cookie"].split(";")[0]
    callback = http(
        "GET",
        f"{bot.server.url}/slack/oauth_redirect?code={code}&state={state}",
        headers={"Cookie": cookie},
    )
    assert callback.status == 200, callback.text


def uninstalled_at(bot: BotHarness, team_id: str = "T1") -> Any:
    with bot.session() as session:
        workspace = session.get(Workspace, team_id)
        return workspace.uninstalled_at if workspace is not None else None


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
