"""What a kind of scheduled send is: how it finds due work and what it posts.

Each domain's jobs.py defines its kinds; the runner gives them the ledger, pacing, retries and
crash recovery, so a kind only answers "who is due?" and "what do we say?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.i18n import Translator, translator_for
from bot.scheduling import service
from bot.scheduling.ledger import RETRY_BASE, RETRY_CAP
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import Outgoing, PostedMessage
from bot.workspaces.models import Member, Workspace


class NotReady(Exception):
    """Raised by render(): this send depends on another not shown in Slack yet (a thread note
    before its card). The row waits `delay` seconds, without counting an attempt."""

    def __init__(self, reason: str, *, delay: float = 2.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


@dataclass(frozen=True)
class JobContext:
    session: Session
    now: datetime
    services: Services

    def translator(self, *, team_id: str, user_id: str | None = None) -> Translator:
        """A user's language from the member cache, else the workspace's default: no Slack call."""
        member = self.session.get(Member, (team_id, user_id)) if user_id else None
        if member is not None and member.locale:
            return translator_for(member.locale)
        workspace = self.session.get(Workspace, team_id)
        return translator_for(workspace.default_locale if workspace else None)


class JobKind:
    """Base of every kind. Subclasses set `name` and implement `plan` and `render`."""

    name: str = ""
    tick_seconds: int = 60
    # How late a send may still go out after its due time (process down, queue backed up).
    grace: timedelta = timedelta(hours=12)
    max_attempts: int = 5
    retry_base: timedelta = RETRY_BASE
    retry_cap: timedelta = RETRY_CAP
    # A silent kind does its work in render() and posts nothing (a purge): done, not skipped.
    silent: bool = False
    # One row per object (a card, a Home tab) whose `version` moves with its state: a send
    # made for an older version is followed by another (bot/outbox).
    versioned: bool = False
    # Schedule-driven kinds plan a slot in batches of this many schedules, each advanced and
    # entered in the ledger in a transaction of its own: the rows of a batch can be sent, by
    # any clock, while the next is planned. None: one planning transaction per tick.
    plan_batch: int | None = None

    def prepare(self, services: Services, *, now: datetime, team_id: str | None) -> None:
        """Slack-side work before planning (e.g. refresh the member list). No transaction is
        open here, so Slack may be called; a failure is logged and planning goes on."""

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        raise NotImplementedError

    def before_render(self, services: Services, delivery: Delivery) -> None:
        """Slack-side reads a send needs (a member's profile) with no transaction open, so
        that render() reads only the database; a failure counts as a failed attempt."""

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        """The message(s) for one ledger row; an empty list means nothing to say (skipped)."""
        raise NotImplementedError

    def resendable(self, delivery: Delivery) -> bool:
        """Whether sending this row again shows nothing twice (an edit, a Home tab): then an
        interrupted send is simply sent again, without reading Slack's history first."""
        return False

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        """Hook after every part went out, e.g. to remember a card's ts to update it later."""

    def on_failed(self, ctx: JobContext, delivery: Delivery, reason: str) -> None:
        """Hook when a row fails for good (an error no retry cures, or no attempt left), in the
        transaction that records it: e.g. record what the error says about the recipient, and
        owe whoever must fix it a message (`reason` is Slack's error code, or why the outcome
        is unknown)."""


class ScheduledKind(JobKind):
    """A kind driven by rows of the `schedules` table (a cadence per recipient or subject).

    Its plan takes up to `plan_batch` due schedules (the runner plans again while batches come
    back full); an operator's forced run, which moves no schedule, plans in one go.
    """

    plan_batch = service.PLAN_BATCH

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return service.plan_schedules(
            session=ctx.session,
            kind=self.name,
            now=ctx.now,
            grace=self.grace,
            team_id=team_id,
            forced=forced,
            limit=self.plan_batch if self.plan_batch and not forced else service.PLAN_LIMIT,
        )
