"""Scheduled work of this domain."""

from __future__ import annotations

from bot.scheduling.kinds import JobKind
from bot.services import Services


def kinds(services: Services) -> list[JobKind]:
    return []
