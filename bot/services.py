"""What listeners and jobs share: settings, database sessions, the member directory.

Built once by the app factory and handed to every domain's `register()`; nothing is global.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Translator, translator_for
from bot.privacy.pseudonyms import key_of
from bot.sections import Sections
from bot.settings import Settings
from bot.slack.ack_gate import AckGate
from bot.slack.client import TeamClients
from bot.slack.directory import UserDirectory
from bot.slack.usergroups import UsergroupMembers


@dataclass
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    clients: TeamClients
    directory: UserDirectory = field(init=False)
    sections: Sections = field(default_factory=Sections)
    usergroups: UsergroupMembers = field(default_factory=UsergroupMembers)
    # Counts Slack requests still awaiting their ack (see bot/slack/ack_gate.py).
    ack_gate: AckGate = field(default_factory=AckGate)
    # Work that must not hold up an HTTP answer (a webhook's Slack posts): submit it here.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="background")
    )

    def __post_init__(self) -> None:
        self.directory = UserDirectory(
            self.session_factory, secret=key_of(self.settings.secret_key)
        )

    def translator(self, client: WebClient, *, team_id: str, user_id: str) -> Translator:
        """The user's language, from their Slack locale (cached in the member directory)."""
        member = self.directory.member(client, team_id=team_id, user_id=user_id)
        return translator_for(member.locale)
