"""User-facing text in the Slack user's language (English source strings, French catalogues).

Catalogues are gettext `.po` files under `bot/locale/<lang>/LC_MESSAGES/<domain>.po`, one per
bot domain so that domains never edit each other's catalogue. They are compiled in memory with
Babel when first needed: no compiled `.mo` file can drift from its `.po`.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

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
