"""A country's public holidays (the `holidays` library), for the team's working days.

The team's calendar is its country's public holidays, plus the days its admins add, minus the
public holidays it works anyway (`scheduling.service.holidays_of`). Loaded once per country and
year range in a process: the library computes them, nothing is fetched.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

# ETAs reach a few months ahead; ages and SLAs look a few months back.
YEARS_BEFORE, YEARS_AFTER = 1, 2


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes the library knows."""
    return frozenset(
        code for code in holidays.list_supported_countries() if len(code) == 2 and code.isupper()
    )


def is_country(code: str) -> bool:
    return code.upper() in countries()


@cache
def _public_holidays(country: str, first_year: int, last_year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=range(first_year, last_year + 1)))


def public_holidays(country: str | None, *, around: date) -> frozenset[date]:
    """The public holidays of `country` from the year before `around` to two years after;
    none for no country or one the library does not know."""
    if not country or not is_country(country):
        return frozenset()
    year = around.year
    return _public_holidays(country.upper(), year - YEARS_BEFORE, year + YEARS_AFTER)
