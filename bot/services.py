"""What listeners and jobs share: settings, database sessions, the member directory.

Built once by the app factory and handed to every domain's `register()`; nothing is global.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.home.registry import HomeRegistry
from bot.i18n import Translator, translator_for
from bot.settings import Settings
from bot.slack.client import TeamClients
from bot.slack.directory import UserDirectory


@dataclass
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    clients: TeamClients
    directory: UserDirectory = field(init=False)
    home: HomeRegistry = field(default_factory=HomeRegistry)

    def __post_init__(self) -> None:
        self.directory = UserDirectory(self.session_factory)

    def translator(self, client: WebClient, *, team_id: str, user_id: str) -> Translator:
        """The user's language, from their Slack locale (cached in the member directory)."""
        member = self.directory.member(client, team_id=team_id, user_id=user_id)
        return translator_for(member.locale)
