"""Gettext catalogues: which strings each bot domain uses, and a command to update the `.po`.

    python -m tests.i18n_catalogs [DOMAIN ...]   # new msgids, empty msgstr, in French catalogues

A catalogue per domain (bot/<domain>/ → <domain>.po; top-level modules and shared adapters →
core.po) so that domains never edit each other's file. Tests use `extract_by_domain` to check
that every string has a French translation.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
LOCALE_DIR = BOT_DIR / "locale"
# Shared layers whose strings belong to the core catalogue.
CORE_PACKAGES = {"home", "slack", "scheduling", "workspaces", "db"}
LANGUAGES = ["fr"]


def domain_of(relative_path: str) -> str:
    parts = Path(relative_path).parts
    if len(parts) == 1 or parts[0] in CORE_PACKAGES:
        return "core"
    return parts[0]


def extract_by_domain() -> dict[str, dict[str | tuple[str, str], list[str]]]:
    """{domain: {msgid (or (singular, plural)): ["file:line", ...]}} for every string in bot/."""
    found: dict[str, dict[str | tuple[str, str], list[str]]] = defaultdict(dict)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        BOT_DIR, method_map=[("**.py", "python")]
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found[domain_of(filename)].setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def catalogue_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def update_catalogues(domains: list[str] | None = None) -> None:
    for language in LANGUAGES:
        for domain, messages in extract_by_domain().items():
            if domains and domain not in domains:
                continue
            path = catalogue_path(language, domain)
            if path.exists():
                with path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=language, domain=domain)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=language, domain=domain, project="revops-bot")
            for message, locations in messages.items():
                if message not in catalog:
                    catalog.add(message, locations=[tuple(loc.rsplit(":", 1)) for loc in locations])
            with path.open("wb") as po_file:
                write_po(po_file, catalog, omit_header=False, sort_output=True, no_location=True)
            print(f"{path.relative_to(BOT_DIR.parent)}: {len(catalog)} messages")


if __name__ == "__main__":
    import sys

    update_catalogues(sys.argv[1:] or None)
