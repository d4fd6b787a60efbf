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


def subdivisions(country: str) -> tuple[str, ...]:
    """The regions (states, Länder, provinces…) of `country` with holidays of their own, as
    the library codes them ("CA", "BY"); none for a country it does not know."""
    if not is_country(country):
        return ()
    return tuple(holidays.list_supported_countries()[country.upper()])


def subdivision_of(country: str, typed: str) -> str | None:
    """The library's code for a region typed in any case ("by" → "BY"); None if unknown."""
    wanted = typed.strip().casefold()
    return next((code for code in subdivisions(country) if code.casefold() == wanted), None)


@cache
def _public_holidays(
    country: str, subdivision: str | None, first_year: int, last_year: int
) -> frozenset[date]:
    years = range(first_year, last_year + 1)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=years))


def public_holidays(
    country: str | None, subdivision: str | None = None, *, around: date
) -> frozenset[date]:
    """The public holidays of `country` (and of its region `subdivision`, when one is set:
    a state's or a Land's own days) from the year before `around` to two years after; none
    for no country or one the library does not know; a region it does not know is ignored."""
    if not country or not is_country(country):
        return frozenset()
    region = subdivision_of(country, subdivision) if subdivision else None
    year = around.year
    return _public_holidays(country.upper(), region, year - YEARS_BEFORE, year + YEARS_AFTER)
