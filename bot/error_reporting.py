"""Optional error reporting to Sentry (SENTRY_DSN, the `revops-bot[sentry]` extra).

Off by default, and sentry_sdk is imported only when SENTRY_DSN is set. With it, what the bot
logs at ERROR (a tick that failed, an error in a listener, with its traceback) becomes a Sentry
event, and lower lines its breadcrumbs; tokens are masked as in the logs.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot import __version__
from bot.logs import mask_secrets
from bot.settings import SettingsError

NOT_INSTALLED = (
    "SENTRY_DSN: set, but sentry-sdk is not installed (pip install 'revops-bot[sentry]')"
)


def start_error_reporting(dsn: SecretStr | None) -> bool:
    """Start reporting to Sentry when a DSN is set; whether it did."""
    if dsn is None or not dsn.get_secret_value().strip():
        return False
    try:
        import sentry_sdk
    except ImportError:
        raise SettingsError(NOT_INSTALLED) from None
    sentry_sdk.init(
        dsn=dsn.get_secret_value().strip(),
        release=f"revops-bot@{__version__}",
        send_default_pii=False,  # no user ids, IPs or request bodies
        before_send=_masked,
        before_breadcrumb=_masked_breadcrumb,
    )
    return True


def _masked(event: Any, _hint: dict[str, Any]) -> Any:
    """The same masking as the log lines: a token in a message or an exception never leaves."""
    for holder in (event.get("logentry") or {}, event):
        for key in ("message", "formatted"):
            if isinstance(holder.get(key), str):
                holder[key] = mask_secrets(holder[key])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = mask_secrets(exception["value"])
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        _masked_breadcrumb(crumb, {})
    return event


def _masked_breadcrumb(crumb: Any, _hint: dict[str, Any]) -> Any:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = mask_secrets(crumb["message"])
    return crumb
