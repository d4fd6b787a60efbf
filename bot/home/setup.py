"""The admin's setup checklist at the top of App Home, until every step is done.

What a new workspace must set before the team sees anything: the intake channel and the RevOps
group (without them requests are stored but no card is posted), the celebration channel, the
digests' day, the privacy admin group. Each step's button opens the same settings modal as the
domain's own section further down (with an action id of its own: a Home tab's action ids must
be unique). Read with plain gets: rendering the Home tab never creates a settings row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.celebrations.models import CelebrationSettings
from bot.errors import N_
from bot.intake.models import IntakeSettings
from bot.privacy.models import AuditEntry, PrivacySettings

# The audit trail's entry for an admin's saved digest settings (bot/digests/handlers.py): the
# settings row itself is also made by the daily member sync, so its presence proves nothing.
DIGEST_SETTINGS_SAVED = "digest settings"


class SetupAction(StrEnum):
    intake = "setup_intake_settings"
    celebrations = "setup_celebrations_settings"
    digests = "setup_digest_settings"
    privacy = "setup_privacy_settings"


@dataclass(frozen=True)
class SetupStep:
    action: SetupAction
    title: str  # a msgid
    done: bool


def setup_steps(*, session: Session, team_id: str) -> list[SetupStep]:
    """The checklist, in the order an admin should follow it. A step is done when its setting
    is saved: both the intake channel and the RevOps group; the celebration channel; the
    digests' day (saved once by an admin, even if left on Monday); the privacy admin group."""
    intake = session.get(IntakeSettings, team_id)
    celebrations = session.get(CelebrationSettings, team_id)
    privacy = session.get(PrivacySettings, team_id)
    return [
        SetupStep(
            SetupAction.intake,
            N_("Choose the intake channel and the RevOps group"),
            bool(intake and intake.intake_channel_id and intake.revops_usergroup_id),
        ),
        SetupStep(
            SetupAction.celebrations,
            N_("Choose the celebration channel"),
            bool(celebrations and celebrations.channel_id),
        ),
        SetupStep(
            SetupAction.digests,
            N_("Choose the day of the weekly digests"),
            _digest_day_chosen(session, team_id),
        ),
        SetupStep(
            SetupAction.privacy,
            N_("Choose the privacy admin group"),
            bool(privacy and privacy.admin_usergroup_id),
        ),
    ]


def _digest_day_chosen(session: Session, team_id: str) -> bool:
    saved = select(AuditEntry.id).where(
        AuditEntry.team_id == team_id, AuditEntry.action == DIGEST_SETTINGS_SAVED
    )
    return session.scalar(saved.limit(1)) is not None
