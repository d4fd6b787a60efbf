"""Gettext catalogues: which strings each bot domain uses, and the command that updates the `.po`.

    python -m tests.i18n_catalogs [DOMAIN ...]   # pybabel extract + update, each domain

A catalogue per domain (bot/<domain>/ → <domain>.po; top-level modules and shared adapters →
core.po) so that domains never edit each other's file. The command runs the standard gettext
workflow with Babel's own CLI (`pybabel extract` with `babel.cfg`, then `pybabel update`), the
same commands CONTRIBUTING.md gives for one domain by hand. Tests use `extract_by_domain` to
check that every string has a French translation.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
BOT_DIR = ROOT / "bot"
LOCALE_DIR = BOT_DIR / "locale"
BABEL_CFG = ROOT / "babel.cfg"
# Shared layers whose strings belong to the core catalogue.
CORE_PACKAGES = {"home", "slack", "scheduling", "workspaces", "db"}
LANGUAGES = ["fr"]
# Besides gettext's own names (gettext, ngettext, N_...): Translator.count(singular, plural, n)
# and Np_(singular, plural), a msgid with plural forms kept for later (bot/errors.py).
KEYWORDS = {**DEFAULT_KEYWORDS, "count": (1, 2), "Np_": (1, 2)}
PYBABEL_KEYWORDS = ["-k", "count:1,2", "-k", "Np_:1,2"]


def domain_of(relative_path: str) -> str:
    parts = Path(relative_path).parts
    if len(parts) == 1 or parts[0] in CORE_PACKAGES:
        return "core"
    return parts[0]


def sources_of(domain: str) -> list[Path]:
    """What `pybabel extract` reads for one catalogue."""
    if domain != "core":
        return [BOT_DIR / domain]
    return [*sorted(BOT_DIR.glob("*.py")), *(BOT_DIR / name for name in sorted(CORE_PACKAGES))]


def extract_by_domain() -> dict[str, dict[str | tuple[str, str], list[str]]]:
    """{domain: {msgid (or (singular, plural)): ["file:line", ...]}} for every string in bot/."""
    found: dict[str, dict[str | tuple[str, str], list[str]]] = defaultdict(dict)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        BOT_DIR, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found[domain_of(filename)].setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def catalogue_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def pybabel(*args: str) -> int:
    return CommandLineInterface().run(["pybabel", "--quiet", *args]) or 0


def update_catalogues(domains: list[str] | None = None) -> None:
    """`pybabel extract` then `pybabel update` for each domain: new msgids arrive with an
    empty msgstr, strings no longer in the code leave the catalogue."""
    with tempfile.TemporaryDirectory() as scratch:
        for domain in sorted(extract_by_domain()):
            if domains and domain not in domains:
                continue
            template = Path(scratch) / f"{domain}.pot"
            pybabel(
                "extract",
                "-F",
                str(BABEL_CFG),
                *PYBABEL_KEYWORDS,
                "--no-location",
                "--sort-output",
                "--project=revops-bot",
                "-o",
                str(template),
                *(str(path) for path in sources_of(domain)),
            )
            for language in LANGUAGES:
                init = not catalogue_path(language, domain).exists()
                pybabel(
                    "init" if init else "update",
                    "-i",
                    str(template),
                    "-d",
                    str(LOCALE_DIR),
                    "-D",
                    domain,
                    "-l",
                    language,
                    *([] if init else ["--ignore-obsolete", "--no-fuzzy-matching"]),
                )
                if init:
                    _same_plural_forms(language, domain)
                print(f"{catalogue_path(language, domain).relative_to(ROOT)} updated")


def _same_plural_forms(language: str, domain: str) -> None:
    """A new catalogue takes the plural rule of the core one: the bot merges every domain's
    catalogue into one translation, which has one rule (CLDR's French now has three forms;
    the catalogues were written with two)."""
    core = catalogue_path(language, "core").read_text(encoding="utf-8")
    rule = re.search(r'"Plural-Forms: [^"]*"', core)
    path = catalogue_path(language, domain)
    text = path.read_text(encoding="utf-8")
    if rule:
        pattern = r'"Plural-Forms: [^"]*"(\n"(?![A-Za-z-]+: )[^"]*")*'
        text = re.sub(pattern, lambda _: rule.group(0), text, count=1)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import sys

    update_catalogues(sys.argv[1:] or None)
