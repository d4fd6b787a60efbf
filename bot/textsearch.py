"""Text as the databases' full-text engines see it: words, stop words, stems, safe queries.

Shared by the SQLite connection (which stems when it indexes, see `index_text`) and the
searches of the domains. No database and no domain here: text in, text out.

- A *word* is a run of letters and digits, lower case, accents removed ("Prévisions" and
  "previsions" are one word). Anything else separates words: quotes, `*`, `:`, parentheses,
  `NEAR`, `--` or `;` never reach an engine as syntax.
- A *term* is a word worth searching for: at least two letters, not only digits, not an English
  or French stop word.
- A term's *stems* are its English and French Snowball stems ("reports" → "report",
  "relevés" → "relev"): a draft in either language finds the word forms of the other's
  spelling of the same root. SQLite's FTS5 has no French stemmer, so the SQLite index holds
  these stems (`index_text`); PostgreSQL stems with its own `english` and `french`
  configurations, which run the same Snowball algorithms.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

# Longest text searched: a draft is a title and a need; what is past this adds nothing.
MAX_SEARCHED_CHARS = 4000
# At most this many distinct terms make a query (the first ones of the draft).
MAX_QUERY_TERMS = 32

_STOP_WORDS = """
    a an the and or but if of to in on at by for with from into onto about as is are was were
    be been being am do does did done have has had having will would shall should can could
    may might must not no nor so than then there here this that these those it its it's i me
    my mine we us our you your he him his she her they them their what when where which who
    whom why how all any each every some such very just only also more most other same own
    too again once off out over under up down further get got getting make made use used
    using need needs needed want wants wanted please like new one two per via etc thanks hi
    hello can't cannot don't dont doesn't isn't im i'm let lets
    au aux avec ce ces cet cette ceci cela ça dans de des du elle elles en et eux il ils je
    la le les leur leurs lui ma mais me mes moi mon ne nos notre nous on ou où par pas pour
    qu que quel quelle quels quelles qui sa sans se ses si son sur ta te tes toi ton tu un
    une vos votre vous y est sont été être avoir avons avez ont ai as a fait faire faut
    peut peux pouvez veux voudrais voudrait souhaite besoin merci bonjour svp stp plus tout
    tous toute toutes très aussi comme comment quand chez entre vers depuis ça c d j l m n s t
    chaque combien
    """


def fold(text: str) -> str:
    """Lower case, accents removed: how every word is compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")
_ENGLISH = snowballstemmer.stemmer("english")
_FRENCH = snowballstemmer.stemmer("french")


def words(text: str) -> list[str]:
    """Every word of a text, folded, in order (see the module docstring)."""
    return _WORD.findall(fold(text[:MAX_SEARCHED_CHARS]))


def is_term(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and word not in STOP_WORDS


def terms(text: str) -> list[str]:
    """The searchable words of a text, each once, in the order they first appear."""
    return list(dict.fromkeys(word for word in words(text) if is_term(word)))


@lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """A folded word's English and French stems (one when they agree)."""
    english = fold(_ENGLISH.stemWord(word))
    french = fold(_FRENCH.stemWord(word))
    return (english,) if english == french else (english, french)


def stem_set(text: str) -> frozenset[str]:
    return frozenset(stem for term in terms(text) for stem in stems(term))


def index_text(text: str | None) -> str:
    """What SQLite's FTS5 indexes for a text: the stems of its terms, every occurrence (term
    frequency counts in bm25). Registered on each SQLite connection as `revops_stems`."""
    if not text:
        return ""
    return " ".join(stem for word in words(text) if is_term(word) for stem in stems(word))


def query_terms(text: str) -> list[str]:
    """The terms a search looks for: none for an empty or one-letter draft."""
    return terms(text)[:MAX_QUERY_TERMS]


def fts5_query(searched: Iterable[str]) -> str:
    """An FTS5 MATCH expression: any stem of any term. Every stem is a double-quoted string of
    letters and digits, so no operator of the query syntax can come from the draft."""
    unique = dict.fromkeys(stem for term in searched for stem in stems(term))
    return " OR ".join(f'"{stem}"' for stem in unique)


def tsquery_text(searched: Iterable[str]) -> str:
    """Input for PostgreSQL's to_tsquery: any of the terms. Terms are letters and digits only,
    so the tsquery syntax (& | ! : * quotes) can never come from the draft."""
    return " | ".join(dict.fromkeys(searched))


def matched_words(text: str, wanted: frozenset[str]) -> list[str]:
    """The words of `text` (as written there, accents kept) whose stems are among `wanted`,
    each once: the words the modal shows as the reason for a match."""
    found: dict[str, None] = {}
    for match in re.finditer(r"\w+", text[:MAX_SEARCHED_CHARS]):
        word = match.group()
        folded = fold(word)
        if _WORD.fullmatch(folded) and is_term(folded) and wanted.intersection(stems(folded)):
            found.setdefault(word, None)
    return list(found)


def rarest_first(
    estimates: dict[str, float], *, rows: float, budget: float, among: int = 10, widest: int = 3
) -> list[tuple[str, ...]]:
    """Which rows a search ranks, when ranking every row holding any term would cost too much:
    groups of terms (a row is a candidate when it holds all the terms of one group), chosen
    so that the rows expected stay within `budget`.

    `estimates` holds each term's expected number of rows (out of `rows`). Rare terms come
    first, alone, while they fit: a row holding one of them is ranked whatever else it holds.
    The terms left (the common ones, at most `among` of them) come in pairs, then triples,
    the rarest combinations first (rows expected under independence), while they fit: a row
    holding only common terms is ranked when it holds two of them (or three). When nothing
    fits, the rarest widest combination is searched anyway, so a search is never empty for
    want of budget. All terms fit (the plain "any term" search) when the total is small.
    """
    if not estimates:
        return []
    ordered = sorted(estimates, key=lambda term: estimates[term])
    groups: list[tuple[str, ...]] = []
    spent = 0.0
    for term in ordered:
        if spent + estimates[term] > budget:
            break
        groups.append((term,))
        spent += estimates[term]
    common = ordered[len(groups) :][:among]

    def expected(combination: tuple[str, ...]) -> float:
        share = 1.0
        for term in combination:
            share *= estimates[term] / rows if rows else 1.0
        return share * rows

    widest_combinations: list[tuple[str, ...]] = []
    for size in range(2, widest + 1):
        chosen = [set(group) for group in groups if len(group) > 1]
        combinations_ = sorted(itertools.combinations(common, size), key=expected)
        if combinations_:
            widest_combinations = combinations_
        for combination in combinations_:
            if any(group <= set(combination) for group in chosen):
                continue  # its rows are already candidates
            if spent + expected(combination) > budget:
                break
            groups.append(combination)
            spent += expected(combination)
    if not groups:
        groups = [widest_combinations[0]] if widest_combinations else [(ordered[0],)]
    return groups
