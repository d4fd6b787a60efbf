"""The country whose public holidays the team takes off, as an admin picks it in the intake
settings: every country the `holidays` library knows, named in the reader's language (CLDR,
through Babel), grouped by initial so that each group stays within Slack's 100 options.

Data in, Block Kit out: no database, no network.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from slack_sdk.models.blocks import InputBlock, Option, OptionGroup, StaticSelectElement

from bot.i18n import Translator
from bot.intake.ids import Block
from bot.scheduling.public_holidays import countries
from bot.textsearch import fold

REGION_INPUT_MAX = 16  # the library's region codes are a few letters ("CA", "BY", "QC")


def _sort_key(name: str) -> str:
    """Accents aside, case aside: "Émirats" sorts with the E's."""
    return fold(name).casefold()


@cache
def country_names(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name in `language`) of every country with known public holidays, by name."""
    territories = Locale.parse(language).territories
    named = [(code, territories.get(code, code)) for code in countries()]
    return tuple(sorted(named, key=lambda pair: (_sort_key(pair[1]), pair[0])))


def country_select(t: Translator, country: str) -> InputBlock:
    """A select of the countries, the team's one chosen; grouped by the names' initials."""
    groups: dict[str, list[Option]] = {}
    chosen: Option | None = None
    for code, name in country_names(t.language):
        option = Option(value=code, label=f"{name} ({code})"[:75])
        groups.setdefault(_sort_key(name)[:1].upper() or "?", []).append(option)
        if code == country:
            chosen = option
    return InputBlock(
        block_id=Block.country,
        label=t.gettext("Country of the team's public holidays"),
        optional=True,
        hint=t.gettext("Its public holidays are skipped like the dates above."),
        element=StaticSelectElement(
            action_id=Block.country,
            placeholder=t.gettext("Pick a country"),
            option_groups=[
                OptionGroup(label=initial, options=options[:100])
                for initial, options in sorted(groups.items())
            ][:100],
            initial_option=chosen,
        ),
    )
