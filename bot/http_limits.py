"""The edge of the HTTP app, before any route reads a request.

- One body limit for every route (Flask's MAX_CONTENT_LENGTH): a body over it is refused with
  413 before any view reads it, whether it came with a Content-Length or chunked (werkzeug's
  dev server and gunicorn both mark their input as terminated, so werkzeug never reads more
  than the limit, see `limit_bodies`).
- Slack's request headers are checked before anything parses a body: a timestamp that is not
  a plain number, a missing signature, a signature that does not match (the check Bolt makes,
  made earlier) are refused with 401; only then is the body parsed, and what Slack signed but
  cannot be read as a Slack payload (not JSON, not an object, nested too deeply, a shape Bolt
  cannot take apart) is acked with one log line and goes no further.
- JSON is read with a depth limit, so that no nesting reaches Python's recursion limit, and
  without text a database cannot store (NUL, unpaired surrogates).
- Each refusal is one short log line: method, path, size and reason; never the body.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Request, Response, jsonify, request
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import to_bolt_request
from slack_bolt.context import BoltContext
from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.request import payload_utils
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import RequestEntityTooLarge

logger = logging.getLogger("bot.requests")

# Slack's largest payloads are view submissions echoing a 100-block modal (about 300 kB of
# text, more once form-encoded); HubSpot sends at most 100 events. 2 MiB leaves room for both.
MAX_BODY_BYTES = 2 * 1024 * 1024
# What is read and dropped of a refused body so that its sender can read the 413 (see below).
DISCARD_BYTES = 16 * 1024 * 1024
# Slack's payloads nest about a dozen levels (rich text in blocks in a view); far more is not
# Slack, and deep enough nesting would reach Python's recursion limit in any code that walks it.
MAX_JSON_DEPTH = 64
# Unix seconds as Slack sends them: digits only; 12 of them reach past the year 30,000.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_READ_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)
# What Bolt takes out of every payload to build each listener's (and middleware's, and error
# handler's) arguments: a payload these fail on could never reach our code, not even the error
# handler, so it is acked at the door instead of failing inside Bolt with a 500.
_BOLT_ARGUMENTS = (
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_action,
    payload_utils.to_view,
    payload_utils.to_command,
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_step,
)


class Refused(Exception):
    """A request refused before any route handles it; `reason` is what the log line says.

    A 4xx for what does not come from where it should (or is too large); 200 for a request
    Slack signed that this code cannot read: acked, because Slack retries and counts every
    other answer as a failed delivery, and disables the event subscriptions of an app whose
    deliveries fail too often. The log line is what tells us.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class UnreadableJson(ValueError):
    """A body that is not JSON, or nested deeper than MAX_JSON_DEPTH."""


# ---------------------------------------------------------------- every route


def limit_bodies(web: Flask, *, max_bytes: int = MAX_BODY_BYTES) -> None:
    """Refuse a body over `max_bytes` with 413 on every route, before a view reads it."""
    # werkzeug refuses a declared Content-Length over the limit at once, but reads a streamed
    # (chunked) body only up to the limit and stops there without a word: the request would go
    # on with a truncated body. So it may read one byte more, and more than `max_bytes` is 413.
    web.config["MAX_CONTENT_LENGTH"] = max_bytes + 1

    @web.before_request
    def read_body_within_the_limit() -> None:
        # Read (and cache) the body now, so that no view ever reads past the limit.
        if len(request.get_data(cache=True)) > max_bytes:
            raise RequestEntityTooLarge()

    @web.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge) -> tuple[Response, int]:
        log_refusal(request, 413, f"body over {max_bytes} bytes")
        _discard_the_rest(request)
        return jsonify(error="body too large", limit_bytes=max_bytes), 413


def answer_database_outages(web: Flask) -> None:
    """A route that cannot reach the database answers 503 (try again later) in one log line,
    instead of Flask's 500 and a traceback: a webhook's sender retries a 503."""

    @web.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[Response, int]:
        cause = getattr(error, "orig", None) or error
        log_refusal(request, 503, f"database unavailable: {type(cause).__name__}")
        answer = jsonify(error="database unavailable, try again in a minute")
        answer.headers["Retry-After"] = "60"
        return answer, 503


def _discard_the_rest(incoming: Request) -> None:
    """Read and drop what is left of a refused body, up to DISCARD_BYTES.

    gunicorn closes a connection whose request body was not read: a client still sending gets
    a reset instead of the 413 (most clients send the whole body before they read an answer).
    Dropping a bounded amount lets a body a few times the limit see its 413, at no memory cost;
    beyond that the client gets the reset. werkzeug's dev server drains the rest on its own.
    """
    environ = incoming.environ
    declared = incoming.content_length
    if declared is None and not environ.get("wsgi.input_terminated"):
        return  # no length and no server-side framing: nothing can be read safely
    cached = getattr(incoming, "_cached_data", None)
    already = len(cached) if isinstance(cached, bytes) else 0
    budget = DISCARD_BYTES if declared is None else min(DISCARD_BYTES, declared - already)
    stream = environ["wsgi.input"]
    try:
        while budget > 0:
            chunk = stream.read(min(65536, budget))
            if not chunk:
                return
            budget -= len(chunk)
    except (OSError, ValueError):
        return  # the client went away: nothing more to answer


def log_refusal(incoming: Request, status: int, reason: str, *, message: str = "") -> None:
    """One short line about a refused request: what, where, how big, why; never the body."""
    logger.warning(
        message or "request refused",
        extra={
            "method": incoming.method,
            "path": incoming.path[:200],
            "bytes": _size(incoming),
            "outcome": status,
            "reason": reason,
        },
    )


def _size(incoming: Request) -> int | None:
    if incoming.content_length is not None:
        return incoming.content_length
    cached = getattr(incoming, "_cached_data", None)  # a chunked body already read
    return len(cached) if isinstance(cached, bytes) else None


# ---------------------------------------------------------------- JSON


def load_json(data: str | bytes) -> Any:
    """Parse JSON that can be stored as it is: no deeper than MAX_JSON_DEPTH, no text that a
    database cannot hold. UnreadableJson says what is wrong."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnreadableJson(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as error:  # JSONDecodeError, and bytes that are not UTF-8
        raise UnreadableJson(f"not JSON ({_first_line(error)})") from None
    problem = json_problem(value)
    if problem:
        raise UnreadableJson(problem)
    return value


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What makes a parsed JSON value unfit to go further, or None: lists and objects nested
    more than `max_depth` levels (code that walks them would reach Python's recursion limit), or
    text with a NUL character or an unpaired surrogate (\\u0000 and \\ud800 are valid JSON,
    but PostgreSQL cannot store the first, and no database can encode the second). Iterative."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not _storable(item):
                return "text with a NUL character or an unpaired surrogate"
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        for child in children:
            if isinstance(child, dict | list) and depth + 1 > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            pending.append((child, depth + 1))
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


# ---------------------------------------------------------------- POST /slack/events


class SlackGate:
    """What Bolt checks, checked before anything parses the body, then the body read safely.

    Bolt's Flask adapter parses the body before Bolt verifies the signature, and slack_sdk's
    verifier raises on a timestamp that is not a number: an unsigned request could reach code
    that fails on it. Here the timestamp's shape and the signature come first (with Bolt's own
    verifier, so the secret and the 5-minute window are Bolt's), then the parse.
    """

    def __init__(self, bolt_app: App) -> None:
        self._verifier = _bolt_verifier(bolt_app)

    def admit(self, incoming: Request) -> BoltRequest:
        """The request for Bolt, or Refused (401 not from Slack, 200 from Slack but unreadable)."""
        try:
            incoming.get_data().decode("utf-8")  # slack_sdk's verifier would raise on it
        except UnicodeDecodeError:
            raise Refused(401, "body is not UTF-8 text: not a Slack request") from None
        if self._verifier is not None:
            self._check_signature(incoming)
        try:
            bolt_request = to_bolt_request(incoming)
        except _READ_ERRORS as error:
            reason = f"unreadable Slack payload ({type(error).__name__}: {_first_line(error)})"
            raise Refused(200, reason) from None
        problem = slack_payload_problem(bolt_request.body)
        if problem:
            raise Refused(200, f"unreadable Slack payload ({problem})")
        return bolt_request

    def _check_signature(self, incoming: Request) -> None:
        assert self._verifier is not None
        timestamp = incoming.headers.get("X-Slack-Request-Timestamp", "")
        signature = incoming.headers.get("X-Slack-Signature", "")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
        if not signature:
            raise Refused(401, "missing X-Slack-Signature")
        if not self._verifier.is_valid(incoming.get_data(), timestamp, signature):
            raise Refused(401, "invalid signature, or timestamp outside Slack's 5 minutes")


def slack_payload_problem(body: Any) -> str | None:
    """What keeps a parsed Slack payload from going into Bolt, or None: not an object, a JSON
    problem (json_problem), or a shape Bolt's own context and argument builders fail on.
    Shared by the HTTP route and Socket Mode (whose payloads come parsed)."""
    if not isinstance(body, dict):
        return "not a JSON object"
    problem = json_problem(body)
    if problem:
        return problem
    try:
        build_context(BoltContext({}), body)
        for take_apart in _BOLT_ARGUMENTS:
            take_apart(body)
    except _READ_ERRORS as error:
        return f"{type(error).__name__}: {_first_line(error)}"
    return None


def _bolt_verifier(bolt_app: App) -> SignatureVerifier | None:
    """The verifier of Bolt's RequestVerification middleware (None when Bolt checks nothing)."""
    for middleware in bolt_app._middleware_list:  # private, but it is Bolt's own check
        if isinstance(middleware, RequestVerification):
            return middleware.verifier
    return None
