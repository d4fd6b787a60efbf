"""User-facing text in the Slack user's language (English source strings, French catalogues).

Catalogues are gettext `.po` files under `bot/locale/<lang>/LC_MESSAGES/<domain>.po`, one per
bot domain so that domains never edit each other's catalogue. They are compiled in memory with
Babel when first needed: no compiled `.mo` file can drift from its `.po`.

A Translator also writes numbers, percentages, amounts and dates the way its reader's language
does (Babel and CLDR: "1,200.5" / "1 200,5", "12.5%" / "12,5 %", "Dec 5, 2026" / "5 déc. 2026"),
and counts with the language's plural forms (`t.count(...)`). Posts that many people read carry
dates as Slack `<!date^…>` tokens (`t.channel_day`), which each reader's client shows in their
own format and time zone.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

from bot.errors import Plural

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"


@cache
def supported_languages() -> frozenset[str]:
    languages = {DEFAULT_LANGUAGE}
    if LOCALE_DIR.is_dir():
        languages |= {path.name for path in LOCALE_DIR.iterdir() if path.is_dir()}
    return frozenset(languages)


def language_of(slack_locale: str | None) -> str:
    """Map a Slack locale ("fr-FR", "en-GB", "fr-CA") to a language we have a catalogue for."""
    if not slack_locale:
        return DEFAULT_LANGUAGE
    try:
        language = Locale.parse(slack_locale.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LANGUAGE
    return language if language in supported_languages() else DEFAULT_LANGUAGE


class Translator:
    """gettext for one language. Views receive one and call `t.gettext(...)` on every string."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def message(self, msgid: str, **params: object) -> str:
        """A msgid kept for later (N_() or Np_()) in the reader's language, its parameters
        filled; for an Np_() msgid, the plural form of its count, written as a number of the
        language ("Keep it under 1 000 characters.")."""
        if isinstance(msgid, Plural):
            n = params[msgid.n]
            assert isinstance(n, int | float | Decimal), msgid.n
            text = self.ngettext(str(msgid), msgid.plural, int(n))
            return text.format(**{**params, msgid.n: self.number(n)})
        return self.gettext(msgid).format(**params)

    def count(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The plural form for `n` in the reader's language, its `{count}` written as a number
        of that language: t.count("{count} open request", "{count} open requests", 1200)."""
        return self.ngettext(singular, plural, n).format(count=self.number(n), **values)

    def number(self, value: float | Decimal | int, *, digits: int = 2) -> str:
        """At most `digits` decimals, grouped as the language does: 1200.5 → "1 200,5" (fr)."""
        pattern = "#,##0." + "#" * digits if digits else "#,##0"
        # Half up, as people round (12.345 → 12.35), not the bankers' half even.
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
        return format_decimal(rounded, format=pattern, locale=self.language)

    def percent(self, fraction: float, *, digits: int = 1) -> str:
        """A fraction as a percentage with at most `digits` decimals: 0.125 → "12,5 %" (fr)."""
        rounded = round(float(fraction) * 100, digits) / 100
        return format_percent(rounded, locale=self.language, decimal_quantization=False)

    def money(self, amount: Decimal | float | int, currency: str) -> str:
        return format_currency(amount, currency, locale=self.language)

    def day(self, value: date, *, style: str = "medium") -> str:
        """A calendar day for one reader: "Dec 5, 2026" / "5 déc. 2026"; style "short_month"
        drops the year ("Dec 5" / "5 déc.")."""
        if style == "short_month":
            return format_skeleton("MMMd", value, locale=self.language)
        return format_date(value, style, locale=self.language)

    def channel_day(self, value: date) -> str:
        """A day in a post many people read: a Slack date token each reader's client shows in
        their own format, with this language's date as the fallback. Noon UTC keeps the same
        calendar day in every zone from UTC−11 to UTC+11."""
        stamp = int(datetime.combine(value, time(12), tzinfo=UTC).timestamp())
        return f"<!date^{stamp}^{{date_short_pretty}}|{self.day(value)}>"

    def clock(self, hour: int, minute: int = 0) -> str:
        """A time of day as the language writes it: "9:00 AM" (en), "09:00" (fr)."""
        return format_time(time(hour, minute), "short", locale=self.language)

    def channel_time(self, instant: datetime) -> str:
        """An instant in a post many people read: each reader sees it in their zone; the
        fallback (clients that cannot show the token) is this language's date and time in
        UTC, said so."""
        stamp = int(instant.timestamp())
        utc = instant.astimezone(UTC)
        fallback = f"{self.day(utc.date())} {self.clock(utc.hour, utc.minute)} UTC"
        return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"


@cache
def translator(language: str) -> Translator:
    return Translator(language, _load(language))


def translator_for(slack_locale: str | None) -> Translator:
    return translator(language_of(slack_locale))


def _load(language: str) -> NullTranslations:
    catalogues = sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))
    if language == DEFAULT_LANGUAGE or not catalogues:
        return NullTranslations()
    merged: Translations | None = None
    for path in catalogues:
        with path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language, domain=path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled = Translations(buffer, domain=path.stem)
        if merged is None:
            merged = compiled
        else:
            merged.merge(compiled)
    assert merged is not None
    return merged
