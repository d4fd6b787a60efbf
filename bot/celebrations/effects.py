"""What each change of celebrations owes in Slack: the one place that says it.

Every function here writes outbox rows in the caller's transaction (a flow's, or the ledger's
when a post went out or failed), so a change and the messages it owes commit together or not
at all; bot/celebrations/messages.py renders them when they are sent. No Slack here.

- A win queued (recorded by hand, by a tool with every winner known, prepared from the CRM, or
  waiting when a channel is set or fixed): its card in the celebration channel, once.
- A win recorded by hand while no channel is set: its author's DM that it waits.
- A card posted: the bot's :tada: under it.
- A winner's e-mail that matches nobody in Slack (the first time): an admin's DM.
- The channel found unusable (the first time since it last worked): an admin's DM, and their
  Home tab, which shows the warning.
- A failed post whose channel was fixed: the post, owed again.
- The Salesforce poll refused (the first time since it last worked): an admin's DM.
- Salesforce not answering for SALESFORCE_OUTAGE_MINUTES, then answering again: an admin's DM
  each (once per outage), and their Home's status line.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.celebrations.models import Win
from bot.celebrations.service_posting import WIN_POST_KIND
from bot.home.effects import owe_homes
from bot.outbox.service import owe_again, owe_message
from bot.scheduling.models import Delivery

MESSAGE_KIND = "celebrations-message"

# What a celebrations message is (`payload["what"]`), rendered by messages.CelebrationMessage.
WAITS_FOR_CHANNEL = "waits_for_channel"
REACTION = "reaction"
UNKNOWN_EMAIL = "unknown_email"
CHANNEL_PROBLEM = "channel_problem"
SALESFORCE_PROBLEM = "salesforce_problem"
SALESFORCE_OUTAGE = "salesforce_outage"
SALESFORCE_BACK = "salesforce_back"


def owe_win_post(*, session: Session, win: Win, now: datetime) -> None:
    """A queued win's card in the channel it was queued for (one row per win and channel,
    under the ledger key the clock used before: "win-<id>")."""
    assert win.channel_id is not None, "a win is queued for a channel"
    owe_message(
        session=session,
        kind=WIN_POST_KIND,
        team_id=win.team_id,
        recipient=win.channel_id,
        key=f"win-{win.id}",
        subject=str(win.id),
        now=now,
    )


def owe_win_posts(*, session: Session, wins: list[Win], now: datetime) -> None:
    for win in wins:
        owe_win_post(session=session, win=win, now=now)


def owe_post_again(*, session: Session, delivery: Delivery, now: datetime) -> None:
    """A win post that failed for good, once its channel works: owed again."""
    owe_again(session=session, delivery=delivery, now=now)


def owe_waiting_note(*, session: Session, win: Win, author_id: str, now: datetime) -> None:
    """The author of a win recorded before any celebration channel: told it is kept."""
    _owe(
        session,
        team_id=win.team_id,
        recipient=author_id,
        key=f"waits-{win.id}",
        payload={"what": WAITS_FOR_CHANNEL, "win_id": win.id},
        now=now,
    )


def owe_reaction(
    *, session: Session, win_id: int, team_id: str, channel: str, now: datetime
) -> None:
    """The bot's :tada: under a card just posted (its own reaction is no vote)."""
    _owe(
        session,
        team_id=team_id,
        recipient=channel,
        key=f"reaction-{win_id}",
        payload={"what": REACTION, "win_id": win_id},
        now=now,
    )


def owe_unknown_email_notice(
    *, session: Session, win: Win, email: str, admin_id: str, now: datetime
) -> None:
    """An admin hears that a winner's e-mail matches nobody in Slack (once per e-mail: the
    caller claimed it). The win and the name are read when the DM is written."""
    _owe(
        session,
        team_id=win.team_id,
        recipient=admin_id,
        key=f"unknown-email-{win.id}-{uuid.uuid4().hex[:12]}",
        payload={"what": UNKNOWN_EMAIL, "win_id": win.id, "email": email},
        now=now,
    )


def owe_channel_problem_notice(
    *, session: Session, team_id: str, channel_id: str, admin_id: str, now: datetime
) -> None:
    """An admin hears that the bot cannot post in the celebration channel (once per problem:
    the channel's recorded state decides), and their Home shows it."""
    _owe(
        session,
        team_id=team_id,
        recipient=admin_id,
        # The same channel may break again after it worked: each warning is its own message.
        key=f"channel-problem-{channel_id}-{uuid.uuid4().hex[:12]}",
        payload={"what": CHANNEL_PROBLEM, "channel_id": channel_id},
        now=now,
    )
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)


def owe_salesforce_problem_notice(
    *, session: Session, team_id: str, admin_id: str, problem: str, now: datetime
) -> None:
    """An admin hears that Salesforce refused the bot (once per problem: the poll's recorded
    state decides), with what Salesforce said (never a credential)."""
    _owe(
        session,
        team_id=team_id,
        recipient=admin_id,
        key=f"salesforce-problem-{uuid.uuid4().hex[:12]}",
        payload={"what": SALESFORCE_PROBLEM, "problem": problem[:500]},
        now=now,
    )


def owe_salesforce_outage_notice(
    *, session: Session, team_id: str, admin_id: str, since: datetime, now: datetime
) -> None:
    """An admin hears that Salesforce has not answered the polls since `since` (once per
    outage: the poll's recorded state decides), and their Home shows it."""
    _owe(
        session,
        team_id=team_id,
        recipient=admin_id,
        key=f"salesforce-outage-{since.isoformat()}",
        payload={"what": SALESFORCE_OUTAGE, "since": since.isoformat()},
        now=now,
    )
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)


def owe_salesforce_back_notice(
    *, session: Session, team_id: str, admin_id: str, since: datetime, now: datetime
) -> None:
    """The admin told of an outage hears that it is over (once), and their Home no longer
    shows it."""
    _owe(
        session,
        team_id=team_id,
        recipient=admin_id,
        key=f"salesforce-back-{since.isoformat()}",
        payload={"what": SALESFORCE_BACK, "since": since.isoformat(), "until": now.isoformat()},
        now=now,
    )
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)


def _owe(
    session: Session,
    *,
    team_id: str,
    recipient: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=recipient,
        key=key,
        subject=str(payload.get("win_id", "")),
        payload=payload,
        now=now,
    )
