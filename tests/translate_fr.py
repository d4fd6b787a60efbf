"""Fill French msgstr values from a {msgid: translation} JSON mapping.

    python -m tests.translate_fr FILE.json [DOMAIN ...]

Used by developers after `python -m tests.i18n_catalogs`; the JSON holds only new strings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from tests.i18n_catalogs import LOCALE_DIR


def fill(translations: dict[str, str | list[str]], domains: list[str] | None = None) -> int:
    filled = 0
    for path in sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        if domains and path.stem not in domains:
            continue
        with path.open("rb") as po_file:
            catalog = read_po(po_file, locale="fr", domain=path.stem)
        catalog.fuzzy = False
        catalog.revision_date = catalog.creation_date
        catalog.last_translator = "revops-bot developers"
        catalog.language_team = "French"
        for message in catalog:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key and key in translations:
                value = translations[key]
                message.string = tuple(value) if isinstance(value, list) else value
                message.flags.discard("fuzzy")  # a translator's word is not a guess
                filled += 1
        with path.open("wb") as po_file:
            write_po(po_file, catalog, sort_output=True, no_location=True)
    return filled


if __name__ == "__main__":
    print(fill(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2:] or None), "messages filled")
