"""A fake Slack Web API served over real HTTP on loopback, for end-to-end tests.

Point ``slack_sdk.WebClient(base_url=fake.url, token="xoxb-test")`` (or the bot) at it.
Methods and their required arguments come from ``slack_methods.json`` (derived from Slack's
OpenAPI spec by ``derive_methods.py``); Block Kit limits live in ``blockkit_limits.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .fake_slack_methods import (
    SlackError,
    UploadedFile,
    WebApiMethods,
    Workspace,
    invalid,
    user_record,
)

__all__ = ["METHODS", "Call", "FakeSlack", "SlackError", "UploadedFile", "Workspace"]

METHODS: dict[str, dict[str, Any]] = json.loads(
    Path(__file__).with_name("slack_methods.json").read_text(encoding="utf-8")
)
# Arguments Slack accepts as JSON strings in form bodies; recorded decoded.
JSON_FIELDS = frozenset(
    {
        "blocks",
        "attachments",
        "view",
        "metadata",
        "files",
        "unfurls",
        "user_auth_blocks",
        "outputs",
        "prefs",
    }
)


@dataclass
class Call:
    """One recorded Web API call (args JSON-decoded, token removed)."""

    method: str
    args: dict[str, Any]
    team_id: str | None
    ok: bool
    error: str | None
    at: float
    response: dict[str, Any] | None = None
    # When the request reached the fake (time.time()), before its simulated latency: what a
    # benchmark measures as "the modal appearing" for views.open.
    received: float | None = None


class _Bucket:
    def __init__(self, rate_per_second: float, capacity: float) -> None:
        self.rate, self.capacity, self.tokens, self.last = (
            rate_per_second,
            capacity,
            capacity,
            time.monotonic(),
        )

    def wait(self, now: float) -> float:
        """Refill, then seconds until one token is available (0 if available now)."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.last) * self.rate)
        self.last = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class _Fault:
    error: str
    status: int
    retry_after: int
    channel: str | None


@dataclass
class _RateLimit:
    per_channel_per_second: float | None
    per_team_per_minute: float | None
    burst: int | None
    channel_burst: int | None = None  # the channel buckets' size, when not `burst`
    channel_buckets: dict[tuple[str | None, str], _Bucket] = field(default_factory=dict)
    team_buckets: dict[str | None, _Bucket] = field(default_factory=dict)

    def acquire(self, team_id: str | None, channel: str | None) -> float:
        """Take a token from every applicable bucket, or return seconds to wait."""
        now, buckets = time.monotonic(), []
        if self.per_channel_per_second and channel:
            cap = self.channel_burst or self.burst or max(1.0, self.per_channel_per_second)
            buckets.append(
                self.channel_buckets.setdefault(
                    (team_id, channel), _Bucket(self.per_channel_per_second, cap)
                )
            )
        if self.per_team_per_minute:
            cap = self.burst or max(1.0, self.per_team_per_minute)
            buckets.append(
                self.team_buckets.setdefault(team_id, _Bucket(self.per_team_per_minute / 60, cap))
            )
        wait = max((b.wait(now) for b in buckets), default=0.0)
        if wait == 0:
            for b in buckets:
                b.tokens -= 1
        return wait


def _parse_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    ctype = content_type.split(";", 1)[0].strip().lower()
    if body:
        if ctype == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise SlackError("invalid_json") from None
            if not isinstance(data, dict):
                raise SlackError("invalid_json")
            args.update(data)
        elif ctype == "multipart/form-data":
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
            )
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if not isinstance(payload, bytes):
                    payload = b""
                args[str(name)] = (
                    payload if part.get_filename() else payload.decode("utf-8", "replace")
                )
        else:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            args.update({k: v[-1] for k, v in form.items()})
    for key in JSON_FIELDS.intersection(args):
        if isinstance(args[key], str):
            # Invalid JSON stays a string: the validators reject it with Slack's error.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers + body go out in one write (no Nagle/delayed-ACK stalls)
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def reply(
        self,
        status: int,
        payload: dict[str, Any] | bytes,
        headers: dict[str, str] | None = None,
        *,
        text: bool = False,
    ) -> None:
        body = (
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, separators=(",", ":")).encode()
        )
        self.send_response(status)
        ctype = "text/plain" if text else "application/json"
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client disconnects are not interesting; fake bugs are reported in _serve


class FakeSlack(WebApiMethods):
    """Thread-safe fake Slack Web API. See tests/slack/README.md."""

    def __init__(self, *, latency_seconds: float = 0.0, trigger_ttl_seconds: float = 3.0) -> None:
        self.latency_seconds = latency_seconds
        self.trigger_ttl_seconds = trigger_ttl_seconds
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.uploaded_files: list[UploadedFile] = []
        self.keep_upload_bytes = True  # off: an upload keeps only its sha256 and size
        self.ratelimited_count = 0
        self.workspaces: dict[str, Workspace] = {}
        self._cond = threading.Condition(threading.RLock())
        self._tokens: dict[str, str] = {}
        self._calls: list[Call] = []
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._used_codes: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._held: set[str] = set()
        self._dropping: set[str] = set()
        self._holding: dict[str, int] = {}
        self._outages: dict[str, tuple[float, str, str]] = {}  # method → (until, mode, error)
        self._answers_to_lose: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._ts_micros = 1_700_000_000_000_000
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers = self._handler_table()
        self.add_workspace(
            team_id="T1", token="xoxb-test", bot_user_id="UBOT1", team_name="Test Workspace"
        )

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    # --- state setup --------------------------------------------------------------------
    def add_workspace(
        self,
        team_id: str = "T1",
        token: str = "xoxb-T1",
        bot_user_id: str = "UBOT1",
        team_name: str | None = None,
        *,
        bot_id: str | None = None,
        app_id: str = "A1",
        domain: str | None = None,
    ) -> Workspace:
        """Add a workspace (or, for a known team_id, another valid token for it)."""
        with self._cond:
            ws = self.workspaces.get(team_id)
            if ws is None:
                ws = Workspace(
                    team_id,
                    team_name or f"Team {team_id}",
                    bot_user_id,
                    bot_id or f"B{team_id}",
                    app_id,
                    domain or team_id.lower(),
                )
                self.workspaces[team_id] = ws
                ws.users[bot_user_id] = user_record(
                    team_id, bot_user_id, name="bot", real_name="Bot", is_bot=True
                )
            self._tokens[token] = team_id
            return ws

    def add_user(
        self,
        team_id: str = "T1",
        user_id: str = "U1",
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        display_name: str = "",
        tz: str = "Europe/Paris",
        locale: str = "fr-FR",
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        with self._cond:
            user = user_record(
                team_id,
                user_id,
                name=name or user_id.lower(),
                real_name=real_name or name or user_id,
                display_name=display_name,
                email=email,
                tz=tz,
                locale=locale,
                is_admin=is_admin,
                is_owner=is_owner,
                deleted=deleted,
                is_bot=is_bot,
            )
            self.workspaces[team_id].users[user_id] = user
            return user

    def add_channel(
        self,
        team_id: str = "T1",
        channel_id: str = "C1",
        name: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
    ) -> dict[str, Any]:
        with self._cond:
            channel = {
                "id": channel_id,
                "name": name or channel_id.lower(),
                "is_channel": not is_private,
                "is_group": is_private,
                "is_im": False,
                "is_private": is_private,
                "is_member": is_member,
                "is_archived": False,
                "created": 1700000000,
            }
            self.workspaces[team_id].channels[channel_id] = channel
            return channel

    def add_usergroup(
        self,
        team_id: str = "T1",
        usergroup_id: str = "S1",
        handle: str = "team",
        users: list[str] | tuple[str, ...] = (),
        name: str | None = None,
    ) -> dict[str, Any]:
        with self._cond:
            group = {
                "id": usergroup_id,
                "team_id": team_id,
                "is_usergroup": True,
                "is_subteam": True,
                "name": name or handle,
                "handle": handle,
                "description": "",
                "is_external": False,
                "date_create": 1700000000,
                "date_update": 1700000000,
                "date_delete": 0,
                "users": list(users),
                "user_count": len(users),
            }
            self.workspaces[team_id].usergroups[usergroup_id] = group
            return group

    def add_message(
        self,
        channel: str,
        text: str = "",
        team_id: str = "T1",
        user: str = "U1",
        thread_ts: str | None = None,
        **fields: Any,
    ) -> str:
        """Seed a message posted by a human (e.g. the parent of a thread); returns its ts."""
        with self._cond:
            ws = self.workspaces[team_id]
            ch = self._resolve(ws, channel, post=False)
            msg = {
                "type": "message",
                "ts": self._next_ts(),
                "user": user,
                "team": team_id,
                "text": text,
                **fields,
            }
            return self._store_message(ws, ch["id"], msg, thread_ts)["ts"]

    def new_trigger_id(self) -> str:
        with self._cond:
            n = next(self._ids)
            trigger = f"{n}.{1700000000 + n}.{n:032x}"
            self._triggers[trigger] = time.monotonic()
            return trigger

    # --- faults and limits --------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        status: int = 200,
        times: int = 1,
        *,
        retry_after: int = 1,
        channel: str | None = None,
    ) -> None:
        """Fail the next call(s) of `method` with `error`; status 429 answers with
        `Retry-After: retry_after`. With `channel`, only calls to that channel fail (other
        calls go through and leave the fault waiting for one)."""
        with self._cond:
            fault = _Fault(error, status, retry_after, channel)
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def set_rate_limit(
        self,
        method: str,
        per_channel_per_second: float | None = None,
        per_team_per_minute: float | None = None,
        burst: int | None = None,
        channel_burst: int | None = None,
    ) -> None:
        """Token buckets per (team, channel) and per team, each `burst` tokens big (or the
        channel's `channel_burst`); both rates None removes the limit."""
        with self._cond:
            if per_channel_per_second is None and per_team_per_minute is None:
                self._rate_limits.pop(method, None)
            else:
                self._rate_limits[method] = _RateLimit(
                    per_channel_per_second, per_team_per_minute, burst, channel_burst
                )

    def outage(
        self,
        methods: list[str] | tuple[str, ...],
        seconds: float,
        *,
        mode: str = "5xx",
        error: str = "service_unavailable",
    ) -> None:
        """Slack misbehaving for `seconds` on these methods, as it sometimes does:
        - "5xx": HTTP 500, nothing done;
        - "error": HTTP 200 with ok=false and a retryable `error`, nothing done;
        - "hang": no answer until the outage ends, then the connection drops, nothing done;
        - "lost": done, but the answer never comes (the connection drops).
        Calls refused by an outage are recorded like any other (ok=False)."""
        until = time.monotonic() + seconds
        with self._cond:
            for method in methods:
                self._outages[method] = (until, mode, error)

    def end_outage(self) -> None:
        with self._cond:
            self._outages.clear()
            self._cond.notify_all()

    def _outage_of(self, method: str) -> tuple[float, str, str] | None:
        with self._cond:
            outage = self._outages.get(method)
            if outage is not None and outage[0] <= time.monotonic():
                del self._outages[method]
                return None
            return outage

    def lose_answer_next(self, method: str, times: int = 1) -> None:
        """Carry out the next call(s) of `method`, then drop the connection unanswered: the
        caller cannot tell whether Slack did it (a timeout or a reset after the fact)."""
        with self._cond:
            self._answers_to_lose[method] = self._answers_to_lose.get(method, 0) + times

    def _take_lost_answer(self, method: str) -> bool:
        with self._cond:
            left = self._answers_to_lose.get(method, 0)
            if left:
                self._answers_to_lose[method] = left - 1
            return bool(left)

    def hold(self, method: str, *, then: str = "do") -> None:
        """Keep calls of `method` waiting, unanswered, until `release`: a test can line up
        callers (two processes racing) before any of them gets an answer. `then="drop"`:
        on release the held calls are dropped undone (the caller died before Slack got it)."""
        with self._cond:
            self._held.add(method)
            if then == "drop":
                self._dropping.add(method)
            self._holding[method] = self._holding.get(method, 0)

    def release(self, method: str) -> None:
        with self._cond:
            self._held.discard(method)
            self._cond.notify_all()

    def held_count(self, method: str) -> int:
        """How many calls of `method` wait in a hold now."""
        with self._cond:
            return self._holding.get(method, 0)

    def _wait_while_held(self, method: str) -> bool:
        """Wait out a hold; False when the held call is to be dropped undone."""
        with self._cond:
            if method not in self._held:
                return True
            self._holding[method] = self._holding.get(method, 0) + 1
            self._cond.notify_all()
            try:
                while method in self._held:
                    self._cond.wait(0.05)
            finally:
                self._holding[method] -= 1
            drop = method in self._dropping
            if self._holding[method] == 0:
                self._dropping.discard(method)  # every held call has its fate
            return not drop

    # --- inspection ---------------------------------------------------------------------
    def calls(self, method: str | None = None, ok: bool | None = None) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` matching calls were recorded; returns them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c
                    for c in self._calls
                    if c.method == method and (predicate is None or predicate(c))
                ]
                remaining = deadline - time.monotonic()
                if len(found) >= count:
                    return found
                if remaining <= 0:
                    seen = ", ".join(
                        f"{c.method}({'ok' if c.ok else c.error})" for c in self._calls[-40:]
                    )
                    raise AssertionError(
                        f"expected {count} {method} call(s) within {timeout}s, "
                        f"got {len(found)}; calls seen: [{seen}]"
                    )
                self._cond.wait(min(remaining, 0.05))

    def reset_calls(self) -> None:
        with self._cond:
            self._calls.clear()

    def messages(self, channel: str, team_id: str = "T1") -> list[dict[str, Any]]:
        """Messages in a channel (a user id means the bot's DM with them), oldest first."""
        if channel[:1] in ("U", "W"):
            channel = f"D{channel}"
        with self._cond:
            return [dict(m) for m in self.workspaces[team_id].messages.get(channel, [])]

    def images_shown(self, channel: str, team_id: str = "T1") -> list[UploadedFile]:
        """The uploaded files that the bot's messages in a channel show in image blocks
        (slack_file id), in message order; each upload is one Slack accepted (completed)."""
        files = {f.file_id: f for f in self.uploaded_files if f.team_id == team_id}
        return [
            files[block["slack_file"]["id"]]
            for message in self.messages(channel, team_id)
            for block in message.get("blocks") or []
            if block.get("type") == "image" and "id" in (block.get("slack_file") or {})
        ]

    def dms_to(self, user_id: str, team_id: str = "T1") -> list[dict[str, Any]]:
        return self.messages(f"D{user_id}", team_id)

    @property
    def response_url_base(self) -> str:
        """Where signed requests' response_url point: posts there are recorded as calls of
        the pseudo-method "response_url" (what `respond()` in a Bolt listener sends)."""
        return self.url.removesuffix("api/") + "respond"

    def _record_response_url(self, path: str, body: bytes) -> None:
        team_id = path.split("/")[2] if path.count("/") >= 2 else None
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            args = {"raw": body.decode("utf-8", "replace")}
        with self._cond:
            self._calls.append(Call("response_url", args, team_id, True, None, time.time(), None))
            self._cond.notify_all()

    def _receive_upload(self, req: _Handler, file_id: str, length: int) -> None:
        """The bytes of an upload, read in blocks; with `keep_upload_bytes` off, only their
        SHA-256 and size are kept (a test measuring the bot's memory keeps the fake's small)."""
        digest, kept, left = hashlib.sha256(), bytearray(), length
        while left:
            block = req.rfile.read(min(left, 65536))
            if not block:
                break
            digest.update(block)
            if self.keep_upload_bytes:
                kept += block
            left -= len(block)
        with self._cond:
            pending = self._pending_uploads.get(file_id)
            if pending is not None:
                pending["content"] = bytes(kept)
                pending["sha256"], pending["size"] = digest.hexdigest(), length - left
        req.reply(200 if pending else 404, f"OK - {length - left}".encode(), text=True)

    def home_of(self, user_id: str, team_id: str = "T1") -> dict[str, Any] | None:
        with self._cond:
            return self.workspaces[team_id].homes.get(user_id)

    # --- HTTP ---------------------------------------------------------------------------
    def _serve(self, req: _Handler) -> None:
        received = time.time()
        url = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        if url.path.startswith("/upload/"):
            self._receive_upload(req, url.path[len("/upload/") :], length)
            return
        body = req.rfile.read(length) if length else b""
        if url.path.startswith("/respond/"):
            self._record_response_url(url.path, body)
            req.reply(200, {"ok": True})
            return
        if not url.path.startswith("/api/"):
            req.reply(404, {"ok": False, "error": "not_found"})
            return
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        method = url.path[5:]
        if not self._wait_while_held(method):
            req.close_connection = True  # never reached "Slack": nothing done, no answer
            return
        outage = self._outage_of(method)
        if outage is not None and outage[1] != "lost":
            self._refuse_in_outage(req, method, query=url.query, body=body, outage=outage)
            return
        try:
            status, headers, payload = self._call(
                method, url.query, body, req.headers, received=received
            )
        except Exception:  # a bug in the fake: fail loudly, not silently
            traceback.print_exc()
            status, headers, payload = 500, {}, {"ok": False, "error": "fake_slack_bug"}
        if outage is not None or self._take_lost_answer(method):
            req.close_connection = True  # done, but the caller never hears of it
            return
        req.reply(status, payload, headers)

    def _refuse_in_outage(
        self,
        req: _Handler,
        method: str,
        *,
        query: str,
        body: bytes,
        outage: tuple[float, str, str],
    ) -> None:
        until, mode, error = outage
        try:
            args = _parse_args(query, body, req.headers.get("Content-Type", ""))
        except SlackError:
            args = {}
        args.pop("token", None)
        label = {"5xx": "http_500", "hang": "no_answer"}.get(mode, error)
        with self._cond:
            self._calls.append(Call(method, args, None, False, label, time.time(), None))
            self._cond.notify_all()
        if mode == "hang":
            with self._cond:
                while time.monotonic() < until and method in self._outages:
                    self._cond.wait(min(until - time.monotonic(), 0.05))
            req.close_connection = True
            return
        if mode == "5xx":
            req.reply(500, {"ok": False, "error": "internal_error"})
            return
        req.reply(200, {"ok": False, "error": error})

    def _call(
        self, method: str, query: str, body: bytes, http_headers: Any, received: float | None = None
    ) -> tuple[int, dict[str, str], Any]:
        args: dict[str, Any] = {}
        parse_error: SlackError | None = None
        try:
            args = _parse_args(query, body, http_headers.get("Content-Type", ""))
        except SlackError as exc:
            parse_error = exc
        auth = http_headers.get("Authorization", "")
        token = args.pop("token", None)
        if auth.startswith("Bearer "):
            token = auth[7:]
        team_id: str | None = None
        with self._cond:
            try:
                spec = METHODS.get(method)
                if spec is None:
                    raise SlackError("unknown_method")
                ws = self._authenticate(spec, token)
                team_id = ws.team_id if ws else None
                if parse_error is not None:
                    raise parse_error
                self._inject_fault(method, args)
                self._check_rate_limit(method, team_id, args)
                missing = [name for name in spec["required"] if args.get(name) in (None, "")]
                if missing:
                    raise invalid(*(f"[ERROR] missing required field: {name}" for name in missing))
                if ws is None:  # tokenless / app-token methods
                    result, team_id = self._tokenless(method, args)
                else:
                    handler = self._handlers.get(method)
                    result = handler(ws, args) if handler else {}
                status, headers, error, payload = 200, {}, None, {"ok": True, **result}
            except SlackError as exc:
                status, headers, error, payload = (
                    exc.status,
                    exc.headers,
                    exc.error,
                    {"ok": False, "error": exc.error},
                )
                if exc.messages:
                    payload["response_metadata"] = {"messages": exc.messages}
            self._calls.append(
                Call(method, args, team_id, error is None, error, time.time(), payload, received)
            )
            self._cond.notify_all()
        return status, headers, payload

    def _authenticate(self, spec: dict[str, Any], token: str | None) -> Workspace | None:
        kind = spec.get("token")
        if kind == "none":
            return None
        if not token:
            raise SlackError("not_authed")
        if (kind == "app") != token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if kind == "app":
            return None
        team_id = self._tokens.get(token)
        if team_id is None:
            raise SlackError("invalid_auth")
        return self.workspaces[team_id]

    def _inject_fault(self, method: str, args: dict[str, Any]) -> None:
        faults = self._faults.get(method) or deque()
        channel = args.get("channel") or args.get("channel_id")
        fault = next((f for f in faults if f.channel in (None, channel)), None)
        if fault is not None:
            faults.remove(fault)
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else None
            raise SlackError(fault.error, status=fault.status, headers=headers)

    def _check_rate_limit(self, method: str, team_id: str | None, args: dict[str, Any]) -> None:
        limit = self._rate_limits.get(method)
        if limit is None:
            return
        wait = limit.acquire(team_id, args.get("channel") or args.get("channel_id"))
        if wait > 0:
            self.ratelimited_count += 1
            raise SlackError(
                "ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )

    # --- tokenless / app-token methods --------------------------------------------------
    def _tokenless(self, method: str, args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        if method == "apps.connections.open":
            return {"url": "ws://127.0.0.1:1/unused"}, None
        if method == "oauth.v2.access":
            code = str(args["code"])
            if code not in self.oauth_codes or code in self._used_codes:
                raise SlackError("invalid_code")
            self._used_codes.add(code)
            spec = dict(self.oauth_codes[code])
            team_id, user_id = spec.pop("team_id", "T1"), spec.pop("user_id", "U1")
            ws = self.workspaces.get(team_id) or self.add_workspace(
                team_id, f"xoxb-{team_id}", f"UBOT{team_id}"
            )
            token = next(t for t, team in self._tokens.items() if team == team_id)
            payload = {
                "access_token": token,
                "token_type": "bot",
                "scope": "chat:write,commands,users:read",
                "bot_user_id": ws.bot_user_id,
                "app_id": ws.app_id,
                "team": {"id": ws.team_id, "name": ws.team_name},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": user_id},
                **spec,
            }
            self._tokens[payload["access_token"]] = team_id
            return payload, team_id
        return {}, None
