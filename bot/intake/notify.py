"""Slack side effects shared by intake's listeners and jobs: the card, DMs, thread notes, Home.

Every function reads what it needs in a short session, closes it, then calls Slack: no
transaction is ever held across a Web API call. These run after the ack and after the state
change committed; a failed post is logged and does not undo the change the user made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.home.handlers import publish_home
from bot.i18n import Translator, translator_for
from bot.intake import configuration, service, views_card
from bot.intake.etas import EtaNews
from bot.intake.models import IntakeRequest
from bot.scheduling.service import dm_refusal
from bot.services import Services
from bot.workspaces.models import Workspace
from bot.workspaces.service import is_admin

logger = logging.getLogger(__name__)

Build = Callable[[Translator], views_card.Message]


def quietly(what: str, call: Callable[[], object]) -> object | None:
    try:
        return call()
    except SlackApiError as error:
        logger.warning("intake: %s failed: %s", what, error.response.get("error"))
        return None


def channel_translator(services: Services, *, team_id: str) -> Translator:
    """Channel posts are read by many: the workspace's default language."""
    with session_scope(services.session_factory) as session:
        workspace = session.get(Workspace, team_id)
        return translator_for(workspace.default_locale if workspace else None)


def local_today(services: Services, client: WebClient, *, team_id: str, user_id: str) -> date:
    """Today in the user's own time zone (a wished-for date is checked against it)."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    try:
        return datetime.now(ZoneInfo(member.tz)).date()
    except (KeyError, ValueError):
        return datetime.now(UTC).date()


def actor_is_revops(services: Services, client: WebClient, *, team_id: str, user_id: str) -> bool:
    """Is this user on the RevOps team? Refreshes the group snapshot the Home tab reads."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    with session_scope(services.session_factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        group, snapshot = settings.revops_usergroup_id, set(settings.revops_member_ids or [])
    members: frozenset[str] = frozenset()
    if group:
        members = services.usergroups.members(client, team_id=team_id, usergroup_id=group)
        if set(members) != snapshot:
            with session_scope(services.session_factory) as session:
                configuration.set_revops_members(
                    session=session, team_id=team_id, member_ids=members
                )
    with session_scope(services.session_factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        return service.is_revops_member(
            settings=settings, user_id=user_id, is_admin=is_admin(member), group_members=members
        )


def _card_parts(
    services: Services, *, team_id: str, request_id: int
) -> tuple[IntakeRequest, str | None, str | None] | None:
    with session_scope(services.session_factory) as session:
        request = service.find_request(session=session, team_id=team_id, request_id=request_id)
        if request is None:
            return None
        rollout = service.rollout_of(session=session, request=request)
        settings = configuration.settings_of(session=session, team_id=team_id)
        channel = settings.intake_channel_id
    return request, (rollout.name if rollout else None), channel


def post_card(services: Services, client: WebClient, *, team_id: str, request_id: int) -> None:
    """Post a new request's card in the intake channel and remember where it is."""
    parts = _card_parts(services, team_id=team_id, request_id=request_id)
    if parts is None:
        return
    request, rollout_name, channel = parts
    if not channel:
        logger.warning("intake: no intake channel for %s: card not posted", team_id)
        return
    text, blocks = views_card.card(
        channel_translator(services, team_id=team_id), request, rollout_name=rollout_name
    )
    response = quietly(
        "posting a card",
        lambda: client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, unfurl_links=False
        ),
    )
    if response is None:
        return
    with session_scope(services.session_factory) as session:
        stored = service.find_request(session=session, team_id=team_id, request_id=request_id)
        if stored is not None:
            stored.card_channel_id = response["channel"]  # type: ignore[index]
            stored.card_ts = response["ts"]  # type: ignore[index]


def refresh_card(services: Services, client: WebClient, *, team_id: str, request_id: int) -> None:
    """Update the card in place (chat.update) to the request's current state."""
    parts = _card_parts(services, team_id=team_id, request_id=request_id)
    if parts is None:
        return
    request, rollout_name, _ = parts
    channel, card_ts = request.card_channel_id, request.card_ts
    if not card_ts or not channel:
        return
    text, blocks = views_card.card(
        channel_translator(services, team_id=team_id), request, rollout_name=rollout_name
    )
    quietly(
        "updating a card",
        lambda: client.chat_update(channel=channel, ts=card_ts, text=text, blocks=blocks),
    )


def in_thread(
    services: Services, client: WebClient, *, team_id: str, request: IntakeRequest, build: Build
) -> None:
    """A note in the request's thread under its card."""
    channel, card_ts = request.card_channel_id, request.card_ts
    if not card_ts or not channel:
        return
    text, blocks = build(channel_translator(services, team_id=team_id))
    quietly(
        "posting in a thread",
        lambda: client.chat_postMessage(
            channel=channel,
            thread_ts=card_ts,
            text=text,
            blocks=blocks,
            unfurl_links=False,
        ),
    )


def dm(services: Services, client: WebClient, *, team_id: str, user_id: str, build: Build) -> None:
    """A direct message in the recipient's language (a user id as channel is their DM), unless
    the bot may not write to them (erased, or gone from the workspace)."""
    with session_scope(services.session_factory) as session:
        refusal = dm_refusal(session=session, team_id=team_id, user_id=user_id)
    if refusal is not None:
        logger.info("intake: no DM to %s: %s", user_id, refusal)
        return
    t = services.translator(client, team_id=team_id, user_id=user_id)
    text, blocks = build(t)
    quietly(
        "sending a DM",
        lambda: client.chat_postMessage(
            channel=user_id, text=text, blocks=blocks, unfurl_links=False
        ),
    )


def tell_eta_news(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    news: Iterable[EtaNews],
    skip: Iterable[int] = (),
) -> None:
    """DM each requester whose ETA was set or moved materially (refresh_etas decided who)."""
    skipped = set(skip)
    for item in news:
        if item.request.id in skipped:
            continue
        dm(
            services,
            client,
            team_id=team_id,
            user_id=item.request.requester_id,
            build=partial(_eta_message, item),
        )


def _eta_message(item: EtaNews, t: Translator) -> views_card.Message:
    return views_card.eta_news(
        t,
        item.request,
        reason=item.reason,
        previous=item.previous,
        eta=item.eta,
        ahead=item.ahead,
        rollouts_ahead=item.rollouts_ahead,
    )


def publish_homes(
    services: Services, client: WebClient, *, team_id: str, user_ids: Iterable[str | None]
) -> None:
    """Re-render the Home tab of the people who see the change."""
    for user_id in dict.fromkeys(user for user in user_ids if user):
        quietly(
            "publishing a Home tab",
            partial(publish_home, services, client, team_id=team_id, user_id=user_id),
        )
