"""What another domain hands to the win modal (e.g. a project's first result in a new country).

Contract: `bot.celebrations.handlers.open_win_modal(services, client, *, team_id, user_id,
trigger_id, prefill)` opens the /revops-win modal with these fields filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WinPrefill:
    kind: str = "project_first_result"  # one of the win kinds of bot/celebrations
    title: str = ""
    winners: list[str] = field(default_factory=list)  # Slack user ids
    message: str = ""
    # Where the win came from, e.g. "project:42:rollout:FR", so it is celebrated once.
    source_ref: str = ""
