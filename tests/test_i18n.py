"""Every user-facing string has a French translation, and users get their own language."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.i18n import language_of, translator_for
from tests.i18n_catalogs import catalogue_path, extract_by_domain


def _catalogue(domain: str) -> dict[str, object]:
    path = catalogue_path("fr", domain)
    if not path.exists():
        return {}
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale="fr", domain=domain)
    return {
        (message.id if isinstance(message.id, str) else message.id[0]): message.string
        for message in catalog
        if message.id and not message.fuzzy
    }


@pytest.mark.parametrize("domain", sorted(extract_by_domain()))
def test_every_string_of_the_domain_has_a_french_translation(domain: str) -> None:
    translated = _catalogue(domain)
    missing = [
        f"{msgid!r} ({locations[0]})"
        for key, locations in extract_by_domain()[domain].items()
        for msgid in [key if isinstance(key, str) else key[0]]
        if not translated.get(msgid)
    ]
    assert not missing, (
        f"untranslated in bot/locale/fr/LC_MESSAGES/{domain}.po (run "
        f"`python -m tests.i18n_catalogs`, then translate): " + "; ".join(missing)
    )


def test_translations_keep_their_placeholders() -> None:
    for domain in extract_by_domain():
        for msgid, msgstr in _catalogue(domain).items():
            for text in [msgstr] if isinstance(msgstr, str) else list(msgstr):  # type: ignore[arg-type]
                placeholders = sorted(part.split("}")[0] for part in msgid.split("{")[1:])
                found = sorted(part.split("}")[0] for part in str(text).split("{")[1:])
                assert placeholders == found, f"{domain}: {msgid!r} → {text!r}"


@pytest.mark.parametrize(
    ("slack_locale", "language"),
    [
        ("fr-FR", "fr"),
        ("fr-CA", "fr"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("de-DE", "en"),
        (None, "en"),
        ("", "en"),
        ("nonsense", "en"),
    ],
)
def test_slack_locales_map_to_a_catalogue(slack_locale: str | None, language: str) -> None:
    assert language_of(slack_locale) == language


def test_french_users_read_french_and_others_english() -> None:
    assert translator_for("fr-FR").gettext("RevOps bot") == "Bot RevOps"
    assert translator_for("en-US").gettext("RevOps bot") == "RevOps bot"
