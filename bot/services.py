"""What listeners and jobs share: settings, database sessions, the member directory.

Built once by the app factory and handed to every domain's `register()`; nothing is global.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.executors import TrackedExecutor
from bot.i18n import Translator, translator_for
from bot.privacy.pseudonyms import key_of
from bot.recent import RecentReads
from bot.sections import Sections
from bot.settings import Settings
from bot.slack.client import TeamClients
from bot.slack.directory import UserDirectory
from bot.slack.events import EventSubscribers
from bot.slack.usergroups import UsergroupMembers


@dataclass
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    clients: TeamClients
    directory: UserDirectory = field(init=False)
    sections: Sections = field(default_factory=Sections)
    # The outbox's kinds (set by the runtime): what admins see waiting in App Home.
    owed_kinds: list[str] = field(default_factory=list)
    # Slack events, fanned out to every domain that subscribes (bot/slack/events.py).
    events: EventSubscribers = field(default_factory=EventSubscribers)
    usergroups: UsergroupMembers = field(default_factory=UsergroupMembers)
    # What opening a modal needs, a few seconds old at most (bot/recent.py).
    recent: RecentReads = field(default_factory=RecentReads)
    # Work that must not hold up an HTTP answer (a webhook's Slack posts): submit it here.
    background: TrackedExecutor = field(
        default_factory=lambda: TrackedExecutor(max_workers=4, thread_name_prefix="background")
    )

    def __post_init__(self) -> None:
        self.directory = UserDirectory(
            self.session_factory, secret=key_of(self.settings.secret_key)
        )

    def translator(self, client: WebClient, *, team_id: str, user_id: str) -> Translator:
        """The user's language, from their Slack locale (cached in the member directory)."""
        member = self.directory.member(client, team_id=team_id, user_id=user_id)
        return translator_for(member.locale)
