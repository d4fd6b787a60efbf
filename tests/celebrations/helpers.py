"""Test data for celebrations: settings, wins, and reading what the bot posted."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.celebrations import service
from bot.celebrations.ids import SettingsAction, SettingsBlock
from bot.celebrations.models import PostState, Win, WinReaction, WinSource
from bot.celebrations.rules import SettingsChange
from tests.celebrations.conftest import WINS_CHANNEL
from tests.harness import BotHarness
from tests.slack.signing import state_value


def configure(
    bot: BotHarness,
    *,
    channel: str = WINS_CHANNEL,
    weekday: int = 4,
    hour: int = 16,
    tz: str = "Europe/Paris",
    won_stages: tuple[str, ...] = ("closedwon",),
    base_currency: str | None = None,
    rates: dict[str, Decimal] | None = None,
    top_performers: bool = True,
    now: datetime | None = None,
    team_id: str = "T1",
) -> None:
    """What an admin saves in the settings modal, stored directly."""
    change = SettingsChange(
        channel_id=channel,
        weekday=weekday,
        hour=hour,
        tz=tz,
        top_performers=top_performers,
        won_stages=won_stages,
        base_currency=base_currency,
        rates=rates or {},
    )
    with bot.session() as session:
        service.save_settings(
            session=session,
            team_id=team_id,
            change=change,
            updated_by="UADMIN",
            now=now or datetime.now(UTC),
        )


def posted_win(
    bot: BotHarness,
    *,
    title: str,
    winners: list[str],
    at: datetime,
    kind: str = "deal_signed",
    amount: str | None = None,
    currency: str | None = None,
    reactions: int = 0,
    team_id: str = "T1",
) -> int:
    """A win already celebrated in the channel at `at` (for gazettes and standings)."""
    with bot.session() as session:
        win, _ = service.record_win(
            session=session,
            team_id=team_id,
            new=service.NewWin(
                kind=kind,
                title=title,
                source=WinSource.slack,
                source_ref=f"test:{title}:{at.isoformat()}",
                winners=[service.NewWinner(user_id=user) for user in winners],
                amount=Decimal(amount) if amount else None,
                currency=currency,
            ),
            now=at,
        )
        win.post_state = PostState.posted
        win.channel_id, win.ts = WINS_CHANNEL, f"{at.timestamp():.6f}"
        for n in range(reactions):
            session.add(WinReaction(team_id=team_id, win_id=win.id, user_id=f"UR{n}", name="clap"))
        return win.id


def wins(bot: BotHarness) -> list[Win]:
    from sqlalchemy import select

    with bot.session() as session:
        return list(session.scalars(select(Win).order_by(Win.id)))


def channel_posts(bot: BotHarness, channel: str = WINS_CHANNEL) -> list[dict[str, Any]]:
    """The bot's posts in a channel."""
    return [m for m in bot.fake.messages(channel) if m.get("bot_id")]


def block_text(message: dict[str, Any]) -> str:
    """Every text of a message's blocks, joined: what a reader sees."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


def home(bot: BotHarness, user: str) -> dict[str, Any]:
    """The person's Home tab as the bot publishes it when they open it."""
    bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
    bot.idle()
    view = bot.fake.home_of(user)
    assert view is not None
    return view


def settings_values(channel: str, **changes: str) -> dict[str, dict[str, Any]]:
    """What the celebrations settings modal submits."""
    values = {
        SettingsBlock.channel: {
            SettingsAction.channel: state_value("conversations_select", channel)
        },
        SettingsBlock.weekday: {SettingsAction.weekday: state_value("static_select", "0")},
        SettingsBlock.hour: {SettingsAction.hour: state_value("static_select", "9")},
        SettingsBlock.tz: {SettingsAction.tz: changes.get("tz", "Europe/Paris")},
        SettingsBlock.top_performers: {
            SettingsAction.top_performers: state_value("checkboxes", ["on"])
        },
        SettingsBlock.won_stages: {SettingsAction.won_stages: "closedwon, contractsigned"},
        SettingsBlock.portal_id: {SettingsAction.portal_id: changes.get("portal", "")},
        SettingsBlock.base_currency: {SettingsAction.base_currency: changes.get("base", "EUR")},
        SettingsBlock.exchange_rates: {
            SettingsAction.exchange_rates: changes.get("rates", "USD=0.92, GBP=1.17")
        },
    }
    return values
