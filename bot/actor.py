"""Who acts: what a flow needs to know about the person behind a Slack request.

Built by the Bolt middleware (bot/slack/middleware.py) from the member directory; flows take it
instead of a Slack client, so they stay free of Slack. `members_of` answers from a short cache
of Slack's user groups (one bounded call when the cache is cold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def _nobody(_group: str) -> frozenset[str]:
    return frozenset()


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str
    is_admin: bool = False
    locale: str | None = None
    tz: str = "UTC"
    members_of: Callable[[str], frozenset[str]] = field(default=_nobody, compare=False)
