"""The Bolt app factory. Nothing here runs at import time."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.listener.custom_listener import CustomListener
from slack_bolt.oauth.callback_options import CallbackOptions, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from bot import metrics, semantic
from bot.errors import N_, UserFacingError
from bot.executors import TrackedExecutor
from bot.i18n import Translator, translator_for
from bot.services import Services
from bot.settings import Settings, SlackMode
from bot.slack import middleware
from bot.slack.client import build_client
from bot.slack.input_limits import check_text_lengths
from bot.slack.modals import ModalNotOpened
from bot.slack.payloads import PAYLOAD_ERRORS, log_slack_refusal, log_unreadable
from bot.slack.pinning import pin_to_token_team
from bot.slack.scopes import BOT_SCOPES

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("bot.requests")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
OAUTH_STATE_SECONDS = 600


class HandlerModule(Protocol):
    def register(self, app: App, services: Services) -> None: ...


def create_app(
    settings: Settings,
    services: Services,
    *,
    handler_modules: list[HandlerModule],
    client: WebClient | None = None,
    installation_store: SQLAlchemyInstallationStore | None = None,
    engine: Engine | None = None,
    on_installed: Callable[[str, str], None] | None = None,
) -> App:
    """Build the Bolt app for the mode the settings choose (token, Socket Mode or OAuth)."""
    client = client or build_client(settings)
    semantic.configure(settings.semantic_matching)  # the model loads at first use only
    common: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret.get_secret_value(),
        "client": client,
        # Slack waits 3 s for an ack: listeners ack first, and enough threads keep acks flowing
        # while earlier listeners wait on views.open or chat.postMessage.
        "listener_executor": TrackedExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="bolt-listener"
        ),
        "raise_error_for_unhandled_request": True,
        "name": "revops-bot",
    }
    if settings.slack_mode is SlackMode.oauth:
        assert installation_store is not None and engine is not None
        oauth = oauth_settings(settings, installation_store, engine, on_installed=on_installed)
        app: App = RevopsApp(services, oauth_settings=oauth, **common)
    else:
        app = RevopsApp(services, **common)  # Bolt checks the client's token with auth.test
    app.error(_error_handler(services))
    pin_to_token_team(app, services)  # token mode: another workspace's requests go no further
    check_text_lengths(app, services)  # modal text over its declared max_length: field errors
    middleware.install(app, services)  # services, caller and form in every listener's context
    # The order of modules is the order their listeners are matched.
    for module in handler_modules:
        module.register(app, services)
    services.events.register(app)  # one listener per event type, after every subscription
    guard_listeners(app, services)
    return app


class RevopsApp(App):
    """Bolt's App, with one line of log per Slack request, for HTTP and Socket Mode alike (both
    go through dispatch). Listeners ack first and then work at once: an earlier "ack gate" made
    them wait while other requests awaited their acks, which under sustained load delayed every
    modal by up to 50 ms and bought nothing measurable (bench/results/ack_latency.txt)."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        self.services = services
        super().__init__(**kwargs)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        req.context[RECEIVED_AT] = started  # the listener's "done" is counted from here
        response = super().dispatch(req)
        # The listener that acked named itself in the context (see _guard).
        listener = req.context.get(LISTENER, metrics.NO_LISTENER)
        metrics.observe_slack_answer(listener, response.status, started)
        log_slack_request(req.body, req.context, response.status, started)
        return response


# Context keys: when the request arrived, which listener took it (metrics).
RECEIVED_AT = "revops_received_at"
LISTENER = "revops_listener"


def log_slack_request(body: dict, context: dict, status: int, started: float) -> None:
    request_logger.info(
        "slack request",
        extra={
            "what": describe_request(body) if body else "unparsed",
            "team": context.get("team_id"),
            "user": context.get("user_id"),
            "outcome": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def oauth_settings(
    settings: Settings,
    installation_store: SQLAlchemyInstallationStore,
    engine: Engine,
    *,
    on_installed: Callable[[str, str], None] | None = None,
) -> OAuthSettings:
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=sorted(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # GovSlack and test servers authorize on their own host, next to their Web API.
        authorization_url=str(settings.slack_api_url).removesuffix("api/") + "oauth/v2/authorize",
        installation_store=installation_store,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=engine
        ),
        callback_options=CallbackOptions(
            success=_after_install(on_installed), failure=lambda args: args.default.failure(args)
        ),
    )


def _after_install(
    on_installed: Callable[[str, str], None] | None,
) -> Callable[[SuccessArgs], BoltResponse]:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if on_installed is not None and installation.team_id:
            on_installed(installation.team_id, installation.team_name or "")
        return args.default.success(args)

    return success


TOO_SLOW = N_("Slack gave up waiting for this window to open. Please try again.")
EXPIRED_TRIGGER = frozenset({"expired_trigger_id", "invalid_trigger_id"})
NOT_OPENED = N_("Slack did not open the form. Please try again.")
TEMPORARILY_UNAVAILABLE = N_("RevOps bot is temporarily unavailable. Please try again in a minute.")
# A bug here, or a payload of a shape this code did not expect: whatever was being done may not
# be saved. A filing is idempotent per form (its view id), so trying again is safe.
WENT_WRONG = N_(
    "Something went wrong on our side, so this may not have been saved. Please try again; "
    "if it keeps happening, tell your RevOps team."
)


def _error_handler(services: Services) -> Any:
    def handle_error(
        error: Exception, body: dict[str, Any], context: Any, respond: Any, client: WebClient
    ) -> BoltResponse | None:
        return handle_listener_error(services, error, body, context, respond, client)

    return handle_error


def guard_listeners(app: App, services: Services) -> None:
    """Handle an error raised after a listener's ack() inside the listener's own thread.

    Bolt 1.30's thread runner shares one response object between the HTTP thread (about to
    send the ack) and the listener thread; an exception after ack() sets that object's status
    to 500 and may clear the recorded ack, so Slack can get a 500 or wait the full 3 seconds
    for an ack that was given. Errors after the ack go to the same handler as every other
    error, without reaching that code; errors before the ack still take Bolt's own path.
    """
    for listener in app._listeners:  # private, but Bolt offers no hook around listeners
        if isinstance(listener, CustomListener):
            _guard(listener, services)


def _guard(listener: CustomListener, services: Services) -> None:
    original = listener.ack_function
    if getattr(original, "guarded", False):
        return
    wanted = list(listener.arg_names)
    listener.arg_names = list(dict.fromkeys([*wanted, *_ERROR_CONTEXT]))
    label = metrics.listener_name(original)

    def guarded(**kwargs: Any) -> BoltResponse | None:
        context = kwargs["context"]
        context[LISTENER] = label  # before the listener acks: dispatch reads it after the ack
        started = context.get(RECEIVED_AT) or time.perf_counter()
        outcome = "error"
        try:
            answer = original(**{name: kwargs[name] for name in wanted if name in kwargs})
            outcome = "ok"
            return answer
        except Exception as error:
            if isinstance(error, UserFacingError):
                outcome = "refused"
            if kwargs["ack"].response is None:
                raise  # not acked yet: Bolt answers Slack with an error and calls the handler
            handle_listener_error(
                services,
                error,
                kwargs["body"],
                context,
                kwargs["respond"],
                kwargs["client"],
                acked=True,
            )
            return None
        finally:
            metrics.observe_slack_done(label, outcome, started)

    guarded.guarded = True  # type: ignore[attr-defined]
    listener.ack_function = guarded


_ERROR_CONTEXT = ("ack", "body", "context", "respond", "client")


def handle_listener_error(
    services: Services,
    error: Exception,
    body: dict[str, Any],
    context: Any,
    respond: Any,
    client: WebClient,
    *,
    acked: bool = False,
) -> BoltResponse | None:
    """The one error path: a refusal is told to the user, an outage apologised for, a call
    Slack refused acked in one log line, a payload that could not be read or a bug logged in
    one line and apologised for where the user is; an unknown request is acked. `acked`: the
    listener acked before the error (a form is closed by then)."""
    if isinstance(error, BoltUnhandledRequestError):
        # An unknown command or a stale action from an old app version: ack, never 500.
        logger.info("unhandled slack request", extra={"what": describe_request(body)})
        return BoltResponse(status=200, body="")
    if isinstance(error, UserFacingError):
        t = _translator_or_english(services, client, context)
        text = t.message(error.message, **error.params)
        _tell_user(respond, client, body, context, text, title=t.gettext("RevOps bot"))
        return BoltResponse(status=200, body="")  # raised before the ack: the user is told
    if isinstance(error, ModalNotOpened):
        # Slack failed to open the form (5xx, timeout, rate limit, trigger expired): say so
        # where the user is, never silence.
        logger.warning("modal not opened for %s: %s", describe_request(body), error.reason)
        t = _translator_or_english(services, client, context)
        text = TOO_SLOW if error.reason in EXPIRED_TRIGGER else NOT_OPENED
        _tell_user(respond, client, {}, context, t.gettext(text), title="")
        return None
    if isinstance(error, SlackApiError) and error.response.get("error") in EXPIRED_TRIGGER:
        # The modal could not open in Slack's 3 seconds: say so instead of nothing.
        logger.warning("modal not opened in time for %s", describe_request(body))
        t = _translator_or_english(services, client, context)
        _tell_user(respond, client, {}, context, t.gettext(TOO_SLOW), title="")
        return None
    if isinstance(error, OperationalError | DBAPIError):
        logger.error("database unavailable while handling %s: %s", describe_request(body), error)
        t = _locale_from_slack(client, context)
        text = t.gettext(TEMPORARILY_UNAVAILABLE)
        if _open_form(body, acked):
            return _pushed_notice(t, text)
        _tell_user(respond, client, body, context, text, title=t.gettext("RevOps bot"))
        return None  # a 500: Slack retries an event later
    if isinstance(error, SlackApiError):
        # Slack refused a call (an unknown user, a missing scope...): one line says which.
        log_slack_refusal(describe_request(body), error)
        return BoltResponse(status=200, body="")
    if isinstance(error, PAYLOAD_ERRORS):
        # A payload of a shape this code did not expect (a Slack change, or a bug here).
        log_unreadable(describe_request(body), error)
    else:
        logger.exception("error while handling %s", describe_request(body), exc_info=error)
    return _apologise(services, body, context, respond, client, acked=acked)


def _apologise(
    services: Services,
    body: dict[str, Any],
    context: Any,
    respond: Any,
    client: WebClient,
    *,
    acked: bool,
) -> BoltResponse:
    """Tell the user something went wrong, where they are: over the form they submitted
    (_pushed_notice), else in the channel, the Home tab or by DM (_tell_user). Events and
    option lists have nobody to tell: acked."""
    kind = body.get("type") if isinstance(body, dict) else None
    if kind not in {"view_submission", "block_actions", "shortcut", "message_action"} and not (
        isinstance(body, dict) and "command" in body
    ):
        return BoltResponse(status=200, body="")
    t = _translator_or_english(services, client, context)
    if _open_form(body, acked):
        return _pushed_notice(t, t.gettext(WENT_WRONG))
    _tell_user(respond, client, body, context, t.gettext(WENT_WRONG), title=t.gettext("RevOps bot"))
    return BoltResponse(status=200, body="")


def _open_form(body: dict[str, Any], acked: bool) -> bool:
    """A form submitted and not answered yet: a notice can go over it."""
    return not acked and isinstance(body, dict) and body.get("type") == "view_submission"


def _pushed_notice(t: Translator, text: str) -> BoltResponse:
    """The answer to a form submission that did not go through: a notice pushed over the form,
    so that closing it goes back to what the user typed (an empty ack would close the form as
    if it had worked, a 500 shows Slack's own vague error)."""
    notice = notice_modal(t.gettext("RevOps bot"), text)
    return BoltResponse(
        status=200,
        body=json.dumps({"response_action": "push", "view": notice}),
        headers={"content-type": ["application/json;charset=utf-8"]},
    )


def _translator_or_english(services: Services, client: WebClient, context: Any) -> Translator:
    try:
        return services.translator(client, team_id=context.team_id, user_id=context.user_id)
    except Exception:  # the error path must not fail on a lookup
        logger.warning("no locale for %s; answering in English", context.user_id)
        return translator_for(None)


def _locale_from_slack(client: WebClient, context: Any) -> Translator:
    """The user's language straight from Slack, for when the database cannot be read."""
    try:
        user = client.users_info(user=context.user_id, include_locale=True)["user"]
        return translator_for(user.get("locale"))
    except Exception:
        return translator_for(None)


def _tell_user(
    respond: Any, client: WebClient, body: dict[str, Any], context: Any, text: str, *, title: str
) -> None:
    """Say it where the user is: ephemeral in the channel, a small modal from the Home tab or a
    modal (no response_url there), else a DM."""
    try:
        if respond is not None and getattr(respond, "response_url", None):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        if body.get("trigger_id") and body.get("type") == "block_actions":
            try:
                client.views_open(trigger_id=body["trigger_id"], view=notice_modal(title, text))
                return
            except SlackApiError:
                pass  # the trigger was already used or expired: fall back to a DM
        if context.user_id:
            client.chat_postMessage(channel=context.user_id, text=text)
    except Exception as error:  # a response_url that is no URL, Slack down: one line
        logger.warning(
            "could not tell the user about an error: %s: %s", type(error).__name__, error
        )


def notice_modal(title: str, text: str) -> dict[str, Any]:
    return View(
        type="modal",
        title=title[:24],
        close="OK",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    ).to_dict()


def describe_request(body: dict[str, Any]) -> str:
    """A short description of a Slack request for logs: command, action, view or event."""
    try:
        return _describe(body)[:200]
    except PAYLOAD_ERRORS:  # whatever its shape, a log line must not fail
        return "unreadable"


def _describe(body: dict[str, Any]) -> str:
    if "command" in body:
        return f"command:{body['command']}"
    kind = body.get("type", "")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action:{actions[0].get('action_id', '?')}"
    if kind in {"view_submission", "view_closed"}:
        return f"{kind}:{(body.get('view') or {}).get('callback_id', '?')}"
    if kind in {"shortcut", "message_action", "block_suggestion"}:
        return f"{kind}:{body.get('callback_id') or body.get('action_id', '?')}"
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type', '?')}"
    return kind or "unknown"
