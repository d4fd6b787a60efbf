"""The paced sender: every scheduled post goes through here.

Slack allows chat.postMessage about once per second per channel and a few hundred per minute
per workspace. The pacer keeps under both before Slack has to say 429; when Slack does, the
client's rate-limit handler sleeps for Retry-After in this (scheduler) thread, never in a Bolt
listener thread. A ledger post holds a claim on its row while it waits: both waits go through
the post's `Hold`, which keeps the claim alive or ends the post if the claim was lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import IO, Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ImageBlock

from bot.slack.client import posting_once
from bot.slack.uploads import stream_upload


@dataclass(frozen=True)
class RateLimits:
    per_channel_per_second: float = 1.0
    per_team_per_minute: float = 300.0
    # Slack tolerates short bursts; the bucket starts full with this many sends.
    team_burst: int = 20
    # A few posts at once in one channel (a card, the note under it, a shared doc): Slack's
    # one-per-second-per-channel rule grants "generous burst behavior".
    channel_burst: int = 3

    def floor_seconds(self, messages: int, channels: int) -> float:
        """The least time `messages` posts spread over `channels` can take under these limits."""
        team_rate = self.per_team_per_minute / 60.0
        by_team = max(messages - self.team_burst, 0) / team_rate
        per_channel = -(-messages // max(channels, 1))  # ceil
        by_channel = max(per_channel - self.channel_burst, 0) / self.per_channel_per_second
        return max(by_team, by_channel)


@dataclass
class _Bucket:
    tokens: float
    updated: float
    rate: float  # tokens per second

    def wait(self) -> float:
        """Seconds until a token is there (0: one is there now)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class Pacer:
    """Token buckets per workspace and per channel; thread-safe. A send with no channel (an
    edit, a Home tab) counts against the workspace's budget only."""

    limits: RateLimits = field(default_factory=RateLimits)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    # A budget shared by every sending process (bot/scheduling/budget.py): reserves a send and
    # returns the seconds to wait. Without it, this process paces alone.
    shared: Callable[[str, str | None], float] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _teams: dict[str, _Bucket] = field(default_factory=dict)
    _channels: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def wait(
        self,
        team_id: str,
        channel: str | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """Return when a send may go (to `channel`, or counted against the workspace only);
        wait through `sleep` (default the pacer's)."""
        if self.shared is not None:
            delay = self.shared(team_id, channel)
            if delay > 0:
                (sleep or self.sleep)(delay)
            return
        while True:
            with self._lock:
                delay = self._try_take(team_id, channel)
            if delay <= 0:
                return
            (sleep or self.sleep)(delay)

    def _try_take(self, team_id: str, channel: str | None) -> float:
        now = self.clock()
        limits = self.limits
        team = self._refill(
            self._teams, team_id, now, limits.team_burst, limits.per_team_per_minute / 60.0
        )
        wait = team.wait()
        lane = None
        if channel is not None:
            lane = self._refill(
                self._channels,
                (team_id, channel),
                now,
                limits.channel_burst,
                limits.per_channel_per_second,
            )
            wait = max(wait, lane.wait())
        if wait > 0:
            return wait
        team.tokens -= 1
        if lane is not None:
            lane.tokens -= 1
        if len(self._channels) > 10_000:
            self._forget_idle_channels()
        return 0.0

    @staticmethod
    def _refill(
        buckets: dict[Any, _Bucket], key: Any, now: float, burst: int, rate: float
    ) -> _Bucket:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(float(burst), now, rate)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        return bucket

    def _forget_idle_channels(self) -> None:
        burst = float(self.limits.channel_burst)
        self._channels = {key: b for key, b in self._channels.items() if b.tokens < burst}


@dataclass(frozen=True)
class ImageFile:
    """An image a message shows (a report's chart): uploaded first and shared nowhere
    (Sender.upload_unshared), then shown by an `image` block that names the file's id."""

    filename: str
    png: bytes
    title: str
    alt_text: str  # what screen readers say; Slack requires it (2,000 characters at most)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message a job wants posted; `channel` may be a user id (a DM, no conversations.open)."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    # Later parts of a long report go in the thread of the first part.
    in_thread_of_first: bool = False
    # A reply under a known message (a note under a request's card).
    thread_ts: str | None = None
    # Shown below the blocks. The runner uploads it before the post and records the file's id
    # in the ledger row, so a retry shows the same file (one image per ledger row).
    image: ImageFile | None = None

    def showing(self, file_id: str) -> OutgoingMessage:
        """This message with its image, uploaded as `file_id`, as its last block."""
        assert self.image is not None
        block = ImageBlock(
            alt_text=self.image.alt_text[:2000],
            slack_file={"id": file_id},
            title=self.image.title[:2000],
        ).to_dict()
        return replace(self, blocks=[*(self.blocks or []), block], image=None)


@dataclass(frozen=True)
class MessageEdit:
    """An existing message shown anew (chat.update): a card that follows its object's state.
    Sending it twice shows the same thing, so an uncertain outcome is simply sent again."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class HomeTab:
    """A user's App Home, published whole (views.publish): idempotent as an edit."""

    user_id: str
    view: dict[str, Any]


@dataclass(frozen=True)
class Reaction:
    """An emoji the bot adds under an existing message (reactions.add). Adding it twice shows
    it once (Slack answers `already_reacted`), so an uncertain outcome is simply sent again."""

    channel: str
    ts: str
    name: str


@dataclass(frozen=True)
class FileUpload:
    """A file shared in a conversation (files_upload_v2: a user id is their DM). A file share
    carries no message metadata to look for after a lost answer: an uncertain outcome is sent
    again, and the recipient may then see the file twice (kept for rare sends: an export)."""

    channel: str
    filename: str
    # Text or bytes; or an open binary file (a CSV export written to a temporary file),
    # streamed to Slack from where it is and closed after the attempt.
    content: str | bytes | IO[bytes]
    title: str
    comment: str = ""
    alt_text: str = ""  # what screen readers say of an image


Outgoing = OutgoingMessage | MessageEdit | HomeTab | Reaction | FileUpload


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str


DELIVERY_EVENT_TYPE = "revops_delivery"


class Hold(Protocol):
    """What a post holds while it waits (a delivery ledger claim), e.g. the ledger's `Lease`.

    Both methods raise when the hold was lost meanwhile: the post must not be made.
    """

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, keeping the hold."""

    def keep(self) -> None:
        """Just before the Slack call: make sure the hold outlasts it."""


class Sender:
    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    def _paced(
        self,
        client: WebClient,
        team_id: str,
        channel: str | None,
        sleep: Callable[[float], None] | None,
    ) -> WebClient:
        """The client for one paced call: a 429's retry waits out Retry-After, then takes a
        turn of its own in the pacing (the workspace's budget, and the channel's)."""
        return posting_once(
            client, sleep=sleep, pace=lambda: self.pacer.wait(team_id, channel, sleep=sleep)
        )

    def post(
        self,
        client: WebClient,
        *,
        team_id: str,
        message: OutgoingMessage,
        ledger_key: str,
        part: int,
        thread_ts: str | None = None,
        hold: Hold | None = None,
    ) -> PostedMessage:
        """Post one message, paced, tagged with its ledger key so a crash can be reconciled.

        With `hold` (the claim on the ledger row), every wait (the pacing, a 429's Retry-After)
        keeps the claim, and a lost claim ends the post before it is made.
        """
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, message.channel, sleep=sleep)
        if hold is not None:
            hold.keep()
        response = self._paced(client, team_id, message.channel, sleep).chat_postMessage(
            channel=message.channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts or message.thread_ts,
            metadata={
                "event_type": DELIVERY_EVENT_TYPE,
                "event_payload": {"key": ledger_key, "part": part},
            },
            unfurl_links=False,
        )
        return PostedMessage(channel=response["channel"], ts=response["ts"])

    def update(
        self, client: WebClient, *, team_id: str, edit: MessageEdit, hold: Hold | None = None
    ) -> PostedMessage:
        """Show an existing message anew, paced against the workspace's budget (chat.update
        has no per-channel rule); the claim is kept while waiting, as for a post."""
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, sleep=sleep)
        if hold is not None:
            hold.keep()
        # Like a post: the ledger retries a failure itself, with its backoff (no retry here
        # but a 429's, whose wait keeps the claim).
        response = self._paced(client, team_id, None, sleep).chat_update(
            channel=edit.channel, ts=edit.ts, text=edit.text, blocks=edit.blocks
        )
        return PostedMessage(channel=response["channel"], ts=response["ts"])

    def react(
        self, client: WebClient, *, team_id: str, reaction: Reaction, hold: Hold | None = None
    ) -> PostedMessage:
        """Add the bot's reaction to a message, paced against the workspace's budget; one
        already there is done."""
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, sleep=sleep)
        if hold is not None:
            hold.keep()
        try:
            self._paced(client, team_id, None, sleep).reactions_add(
                channel=reaction.channel, timestamp=reaction.ts, name=reaction.name
            )
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise
        return PostedMessage(channel=reaction.channel, ts=reaction.ts)

    def upload(
        self, client: WebClient, *, team_id: str, upload: FileUpload, hold: Hold | None = None
    ) -> PostedMessage:
        """Share a file in a conversation (its DM for a user id), paced like a post there."""
        channel = upload.channel
        if channel[:1] in {"U", "W"}:  # files_upload_v2 wants a conversation id
            channel = str(client.conversations_open(users=channel)["channel"]["id"])
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, channel, sleep=sleep)
        if hold is not None:
            hold.keep()
        if not isinstance(upload.content, str | bytes):
            stream_upload(self._paced(client, team_id, channel, sleep), channel, upload)
            return PostedMessage(channel=channel, ts="")
        body: dict[str, Any] = (
            {"file": upload.content}
            if isinstance(upload.content, bytes)
            else {"content": upload.content}
        )
        if upload.alt_text:
            body["alt_txt"] = upload.alt_text
        self._paced(client, team_id, channel, sleep).files_upload_v2(
            channel=channel,
            filename=upload.filename,
            title=upload.title,
            initial_comment=upload.comment or None,
            **body,
        )
        return PostedMessage(channel=channel, ts="")

    def upload_unshared(
        self, client: WebClient, *, team_id: str, image: ImageFile, hold: Hold | None = None
    ) -> str:
        """Upload an image into no conversation (files.getUploadURLExternal, the bytes,
        files.completeUploadExternal without a channel): only the bot sees it until a message
        shows it. Paced against the workspace's budget; answers the file's id."""
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, sleep=sleep)
        if hold is not None:
            hold.keep()
        response = self._paced(client, team_id, None, sleep).files_upload_v2(
            file=image.png,
            filename=image.filename,
            title=image.title,
            alt_txt=image.alt_text[:1000],  # getUploadURLExternal's limit
        )
        return str(response["file"]["id"])

    def publish(
        self, client: WebClient, *, team_id: str, home: HomeTab, hold: Hold | None = None
    ) -> None:
        """Publish a Home tab, paced against the workspace's budget."""
        sleep = hold.sleep if hold is not None else None
        self.pacer.wait(team_id, sleep=sleep)
        if hold is not None:
            hold.keep()
        self._paced(client, team_id, None, sleep).views_publish(
            user_id=home.user_id, view=home.view
        )
