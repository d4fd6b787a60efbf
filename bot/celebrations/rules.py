"""Pure rules of celebrations: amounts and currencies, settings an admin types, time windows.

No database, no Slack. `service.py` re-exports these so that every rule is found from there.
Messages are English msgids marked with N_(); callers translate them for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, list_currencies, parse_decimal

from bot.celebrations.models import CelebrationSettings, WinKind
from bot.celebrations.ranking import ExchangeRates
from bot.errors import N_, Np_
from bot.scheduling.cadence import local_date

DEFAULT_WON_STAGES = ("closedwon",)
MAX_AMOUNT = Decimal("1e12")
# ISO 4217 codes that are not money one wins in a deal.
NOT_MONEY = frozenset({"XXX", "XTS"})

NOT_A_NUMBER = N_("Enter the amount as a number, e.g. 12500 or 12,500.50.")
NEGATIVE_AMOUNT = N_("The amount cannot be negative.")
AMOUNT_TOO_LARGE = N_("That amount is too large.")
UNKNOWN_CURRENCY = N_("Unknown currency: use an ISO 4217 code such as EUR, USD or GBP.")
CURRENCY_NEEDED = N_("Pick the currency of the amount.")
UNKNOWN_TZ = N_("Unknown time zone: use a name such as Europe/Paris or America/New_York.")
BAD_STAGES = N_("List HubSpot stage ids separated by commas, e.g. closedwon.")
BAD_SALESFORCE_STAGES = N_(
    "List Salesforce stage names separated by commas (up to 20, each under 100 characters)."
)
BAD_PORTAL = N_("A HubSpot portal id is a number (Settings → Account defaults).")
BAD_RATES = N_("Write one rate per currency, e.g. USD=0.92, GBP=1.17.")
RATES_NEED_BASE = N_("Exchange rates need a base currency.")
TITLE_NEEDED = N_("Give the win a title.")
WINNERS_NEEDED = N_("Pick at least one winner.")
TOO_LONG = Np_("Keep it under {max} character.", "Keep it under {max} characters.", "max")

# The win modal's inputs declare these as their max_length; a submission is checked against them.
WIN_TEXT_LIMITS = {"title": 150, "amount": 30, "currency": 3, "message": 2000}


class AmountProblem(ValueError):
    """An amount or currency a person typed is wrong; `message` is a msgid to translate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies()) - NOT_MONEY


def is_known_currency(code: str) -> bool:
    """An ISO 4217 currency code, from Babel's list (CLDR), case-insensitive."""
    return code.strip().upper() in _currencies()


def normalise_currency(code: str) -> str:
    """`code` upper-cased, or AmountProblem(UNKNOWN_CURRENCY)."""
    if not is_known_currency(code):
        raise AmountProblem(UNKNOWN_CURRENCY)
    return code.strip().upper()


def parse_amount(text: str, *, locale: str | None) -> Decimal:
    """An amount typed by a person in their own locale ("12,500.50" in English, "12 500,50" in
    French): a finite, non-negative number below 10^12, or AmountProblem."""
    compact = re.sub(r"\s", "", text)
    try:
        babel_locale = Locale.parse((locale or "en_US").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        babel_locale = Locale.parse("en_US")
    try:
        amount = parse_decimal(compact, locale=babel_locale, strict=True)
    except NumberFormatError:
        raise AmountProblem(NOT_A_NUMBER) from None
    return checked_amount(amount)


def checked_amount(amount: Decimal) -> Decimal:
    """A finite amount, not negative, below 10^12; else AmountProblem."""
    if not amount.is_finite():
        raise AmountProblem(NOT_A_NUMBER)
    if amount < 0:
        raise AmountProblem(NEGATIVE_AMOUNT)
    if amount >= MAX_AMOUNT:
        raise AmountProblem(AMOUNT_TOO_LARGE)
    return amount


def display_name_for_email(email: str) -> str:
    """A readable name from an address when nothing better is known: jane.doe@x → Jane Doe."""
    local = email.split("@", 1)[0]
    words = [word for word in re.split(r"[._+-]+", local) if word]
    return " ".join(word.capitalize() for word in words) or email


# ---------------------------------------------------------------- HubSpot


def is_won_stage(settings: CelebrationSettings, stage: str | None) -> bool:
    """A deal stage counts as won when it is one of the workspace's won stages (setting;
    "closedwon", HubSpot's default pipeline, until an admin says otherwise)."""
    stages = settings.won_stages or list(DEFAULT_WON_STAGES)
    return stage is not None and stage.strip() in stages


@dataclass(frozen=True)
class DealDetails:
    """What the CRM says about a won deal, free of HubSpot types."""

    name: str
    amount: Decimal | None
    currency: str | None
    owner_email: str | None = None
    owner_name: str = ""


# ---------------------------------------------------------------- settings form


@dataclass(frozen=True)
class SettingsChange:
    channel_id: str
    weekday: int
    hour: int
    tz: str
    top_performers: bool
    won_stages: tuple[str, ...] = DEFAULT_WON_STAGES
    portal_id: str | None = None
    base_currency: str | None = None
    salesforce_stages: tuple[str, ...] = ()
    rates: dict[str, Decimal] = field(default_factory=dict)


def exchange_rates_of(settings: CelebrationSettings) -> ExchangeRates:
    """The workspace's exchange-rate setting; a stored rate that is not a number is ignored."""
    rates = {}
    for code, rate in (settings.exchange_rates or {}).items():
        try:
            rates[code] = Decimal(rate)
        except InvalidOperation:
            continue
    return ExchangeRates(base=settings.base_currency, rates=rates)


def parse_settings_form(
    *,
    channel_id: str | None,
    weekday: str | None,
    hour: str | None,
    tz: str,
    top_performers: bool,
    won_stages: str,
    portal_id: str,
    base_currency: str,
    exchange_rates: str,
    salesforce_stages: str = "",
) -> tuple[SettingsChange | None, dict[str, str]]:
    """Check what an admin typed; returns the change, or {field: msgid} for each bad field.

    Won stages: ids separated by commas or spaces (empty → "closedwon"). Exchange rates:
    "USD=0.92, GBP=1.17" — one unit of each currency in the base currency. Salesforce won
    stages: names separated by commas (a name may hold spaces: "Closed Won"); empty → the
    opportunity's own IsWon.
    """
    errors: dict[str, str] = {}
    try:
        ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors["tz"] = UNKNOWN_TZ
    stages = tuple(s for s in re.split(r"[,\s]+", won_stages.strip()) if s) or DEFAULT_WON_STAGES
    if any(len(stage) > 64 for stage in stages) or len(stages) > 20:
        errors["won_stages"] = BAD_STAGES
    sf_stages = tuple(dict.fromkeys(s.strip() for s in re.split(r"[,\n]+", salesforce_stages)))
    sf_stages = tuple(stage for stage in sf_stages if stage)
    if any(len(stage) > 100 for stage in sf_stages) or len(sf_stages) > 20:
        errors["salesforce_stages"] = BAD_SALESFORCE_STAGES
    portal = portal_id.strip() or None
    if portal is not None and not (portal.isdigit() and len(portal) <= 20):
        errors["portal_id"] = BAD_PORTAL
    base = base_currency.strip().upper() or None
    if base is not None and not is_known_currency(base):
        errors["base_currency"] = UNKNOWN_CURRENCY
    rates, rates_problem = _parse_rates(exchange_rates)
    if rates_problem:
        errors["exchange_rates"] = rates_problem
    elif rates and base is None and "base_currency" not in errors:
        errors["base_currency"] = RATES_NEED_BASE
    if errors or channel_id is None or weekday is None or hour is None:
        return None, errors
    return (
        SettingsChange(
            channel_id=channel_id,
            weekday=int(weekday),
            hour=int(hour),
            tz=tz.strip(),
            top_performers=top_performers,
            won_stages=stages,
            portal_id=portal,
            base_currency=base,
            salesforce_stages=sf_stages,
            rates=rates,
        ),
        {},
    )


def _parse_rates(text: str) -> tuple[dict[str, Decimal], str | None]:
    rates: dict[str, Decimal] = {}
    for entry in (part.strip() for part in re.split(r"[,;\n]+", text)):
        if not entry:
            continue
        match = re.fullmatch(r"([A-Za-z]{3})\s*[=:\s]\s*([0-9]+(?:\.[0-9]+)?)", entry)
        if match is None:
            return {}, BAD_RATES
        code, rate = match.group(1).upper(), Decimal(match.group(2))
        if not is_known_currency(code):
            return {}, UNKNOWN_CURRENCY
        if rate <= 0:
            return {}, BAD_RATES
        rates[code] = rate
    return rates, None


def format_rates(rates: dict[str, str]) -> str:
    """Rates as the settings modal shows them: "GBP=1.17, USD=0.92"."""
    return ", ".join(f"{code}={rate}" for code, rate in sorted(rates.items()))


# ---------------------------------------------------------------- time windows


def gazette_week(*, due_at: datetime, tz: str) -> tuple[date, date]:
    """The gazette covers the seven local days before the day it is sent: a Monday gazette
    tells last Monday to Sunday, and no day is told twice or never."""
    end = local_date(due_at, tz) - timedelta(days=1)
    return end - timedelta(days=6), end


def previous_month(*, due_at: datetime, tz: str) -> tuple[date, date]:
    """The top performers sent on the first working day of a month cover the month before."""
    first_of_this = local_date(due_at, tz).replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


# ---------------------------------------------------------------- the win form


@dataclass(frozen=True)
class WinForm:
    winners: tuple[str, ...]
    kind: str
    title: str
    amount: Decimal | None
    currency: str | None
    message: str


def parse_win_form(
    *,
    winners: list[str] | None,
    kind: str | None,
    title: str,
    amount: str,
    currency: str,
    message: str,
    locale: str | None,
) -> tuple[WinForm | None, dict[str, str]]:
    """Check the win modal: an amount is a non-negative number in the user's locale and needs
    an ISO 4217 currency; a currency alone is ignored; no text is longer than its input allows
    (WIN_TEXT_LIMITS, formatted into TOO_LONG as `max`). Returns the form or {field: msgid}."""
    errors: dict[str, str] = {}
    parsed_amount: Decimal | None = None
    code: str | None = None
    if amount.strip():
        try:
            parsed_amount = parse_amount(amount, locale=locale)
        except AmountProblem as problem:
            errors["amount"] = problem.message
        if not currency.strip():
            errors["currency"] = CURRENCY_NEEDED
        else:
            try:
                code = normalise_currency(currency)
            except AmountProblem as problem:
                errors["currency"] = problem.message
    if not title.strip():
        errors["title"] = TITLE_NEEDED
    if not winners:
        errors["winners"] = WINNERS_NEEDED
    typed = {"title": title, "amount": amount, "currency": currency, "message": message}
    for name, text in typed.items():
        if len(text.strip()) > WIN_TEXT_LIMITS[name]:
            errors[name] = TOO_LONG
    if errors:
        return None, errors
    return (
        WinForm(
            winners=tuple(dict.fromkeys(winners or [])),
            kind=kind if kind in {k.value for k in WinKind} else WinKind.other,
            title=title.strip(),
            amount=parsed_amount,
            currency=code if parsed_amount is not None else None,
            message=message.strip(),
        ),
        {},
    )
