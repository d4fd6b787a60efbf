"""Every user-facing string has a French translation, and users get their own language."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import language_of, translator_for
from tests.i18n_catalogs import LOCALE_DIR, catalogue_path, extract_by_domain, pybabel

CATALOGUES = sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po"))


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


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.stem)
def test_catalogues_pass_babels_checkers(path: Path, tmp_path: Path) -> None:
    """What `pybabel compile` checks (format flags against the strings, plural forms count):
    a catalogue that fails compiles nothing, so a translator's tool would refuse it too."""
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale="fr", domain=path.stem)
    problems = [
        f"line {message.lineno}: {error}" for message, errors in catalog.check() for error in errors
    ]
    assert not problems, f"{path.name}: " + "; ".join(problems)
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"{path.name} has fuzzy entries"
    mo = tmp_path / f"{path.stem}.mo"
    assert pybabel("compile", "-i", str(path), "-o", str(mo), "-l", "fr") == 0
    assert mo.stat().st_size > 0


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.stem)
def test_catalogues_pass_msgfmt_check(path: Path) -> None:
    """GNU msgfmt -c: the check standard translation tools (Weblate, Poedit) run."""
    result = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_format_check_catches_a_printf_mismatch(tmp_path: Path) -> None:
    """The check above is not vacuous: the entry that once made msgfmt refuse projects.po."""
    bad = tmp_path / "bad.po"
    bad.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        "#, python-format\n"
        'msgid "%(progress)s%% done"\nmsgstr "%(avancement)s %% fait"\n',
        encoding="utf-8",
    )
    with bad.open("rb") as po_file:
        catalog = read_po(po_file, locale="fr")
    assert any(errors for _message, errors in catalog.check())
    assert pybabel("compile", "-i", str(bad), "-o", str(tmp_path / "bad.mo"), "-l", "fr") == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1 open request", "1,200.5", "12.5%", "Dec 5, 2026", "€1,200.00"]),
        (
            "fr",
            [
                "1 demande ouverte",
                "1\u202f200,5",
                "12,5\u00a0%",
                "5 déc. 2026",
                "1\u202f200,00\u00a0€",
            ],
        ),
    ],
)
def test_numbers_dates_and_counts_in_the_readers_language(
    language: str, expected: list[str]
) -> None:
    from datetime import date

    from bot.i18n import translator

    t = translator(language)
    assert [
        t.count("*Run queue*: {count} open request", "*Run queue*: {count} open requests", 1)
        .split(": ")[-1]
        .replace("*", ""),
        t.number(1200.5),
        t.percent(0.125),
        t.day(date(2026, 12, 5)),
        t.money(1200, "EUR"),
    ] == expected
    assert t.count("{count} missed check-in", "{count} missed check-ins", 2).startswith("2 ")


def test_channel_posts_carry_slack_date_tokens() -> None:
    from datetime import date

    from bot.i18n import translator

    token = translator("fr").channel_day(date(2026, 12, 5))
    assert token == "<!date^1796472000^{date_short_pretty}|5 déc. 2026>"


def test_times_are_written_as_the_reader_language_does_and_tokens_fall_back_to_it() -> None:
    """A time of day in a schedule (App Home, a card) is CLDR's short time; an instant in a
    channel post is a Slack token whose fallback is the language's date and time, in UTC."""
    from datetime import UTC, date, datetime

    from bot.celebrations.report_views import gazette_header
    from bot.i18n import translator

    fr, en = translator("fr"), translator("en")
    assert (fr.clock(9), fr.clock(16, 30), en.clock(16)) == ("09:00", "16:30", "4:00\u202fPM")
    instant = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    assert fr.channel_time(instant) == (
        "<!date^1796482800^{date_short_pretty} {time}|5 déc. 2026 15:00 UTC>"
    )
    # The gazette's week, read by the whole channel: two tokens, each with its fallback.
    header = gazette_header(fr, week_start=date(2026, 11, 13), week_end=date(2026, 11, 19))
    week = header[1]["elements"][0]["text"]
    assert week == (
        "<!date^1794571200^{date_short_pretty}|13 nov. 2026> – "
        "<!date^1795089600^{date_short_pretty}|19 nov. 2026>"
    )


def test_every_catalogue_has_the_same_plural_rule() -> None:
    """The bot merges the domains' catalogues into one translation with one plural rule."""
    rules = set()
    for path in CATALOGUES:
        with path.open("rb") as po_file:
            rules.add(read_po(po_file, locale="fr").plural_forms)
    assert len(rules) == 1, rules


def test_counts_kept_for_later_read_in_the_reader_plural_form() -> None:
    """Field errors and notes kept as Np_() msgids: the count picks the form, in French too,
    and is written as a number of the language."""
    from bot.i18n import translator
    from bot.intake.inputs import text_error
    from bot.intake.service_requester import AUTO_CLOSE_NOTE
    from bot.intake.views_requester import ahead_words
    from bot.projects.validation import TOO_LONG

    fr, en = translator("fr"), translator("en")
    assert fr.message(AUTO_CLOSE_NOTE, days=1).endswith("depuis 1 jour ouvré.")
    assert fr.message(AUTO_CLOSE_NOTE, days=3).endswith("depuis 3 jours ouvrés.")
    assert en.message(AUTO_CLOSE_NOTE, days=1).endswith("for 1 working day.")
    error = text_error("x" * 1300, max_len=1200)
    assert error is not None
    assert fr.message(error.message, **error.params) == (
        "Restez sous 1\u202f200 caractères (il y en a 1300)."
    )
    assert en.message(TOO_LONG, limit=1) == "Keep it under 1 character."
    assert ahead_words(en, {"blocks_deal": 1, "slows_team": 2}, 0) == (
        "1 that blocks a deal from signing; 2 that slow a team down"
    )
    assert ahead_words(fr, {"blocks_deal": 1}, 0) == "1 qui bloque la signature d'un deal"
