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
    if decomposed.isascii():  # no accent to remove; every match folds its docs' text
        return decomposed
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


# A small bilingual glossary of the RevOps team's words (English and French, as sales and
# support people write them): a draft's term also searches the other words of its group, so
# "rapport" finds a doc about a "report" and "fusionner" one about a "merge". Applied to the
# draft only (query expansion): every group is symmetric, so a doc need not be re-indexed,
# and SQLite and PostgreSQL search alike. One word per entry (phrases such as "tableau de
# bord" reach "dashboard" through "tableau"). Written from the domain, then pruned on the dev
# half of bench/data/deflection.yaml only (words too general to mean one thing: "valider",
# "commercial", "double", "phase", "zone", "signer", "variable", "rappel" made wrong offers);
# the test half measures it.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("report", "rapport", "reporting"),
    ("dashboard", "tableau"),
    ("week", "weekly", "semaine", "hebdo", "hebdomadaire"),
    ("month", "monthly", "mois", "mensuel"),
    ("quarter", "quarterly", "trimestre", "trimestriel"),
    ("year", "annual", "annee", "annuel"),
    ("schedule", "planifier", "programmer"),
    ("merge", "fusionner", "fusion"),
    ("duplicate", "doublon"),
    ("account", "compte"),
    ("opportunity", "opportunite", "oppy"),
    ("stage", "etape"),
    ("criteria", "criterion", "critere"),
    ("exit", "sortie"),
    ("rate", "taux"),
    ("churn", "attrition", "resiliation"),
    ("renewal", "renouvellement"),
    ("review", "revue"),
    ("coverage", "couverture"),
    ("target", "objectif"),
    ("forecast", "prevision"),
    ("statement", "releve"),
    ("territory", "territoire"),
    ("discount", "remise", "rabais"),
    ("approval", "approve", "approbation", "approuver"),
    ("quote", "devis"),
    ("contract", "contrat"),
    ("access", "acces"),
    ("license", "licence"),
    ("training", "formation"),
    ("deal", "affaire"),
    ("lost", "perdu", "perte"),
    ("won", "gagne"),
    ("reason", "motif", "raison"),
    ("field", "champ"),
    ("invoice", "facture"),
    ("payment", "paiement"),
    ("customer", "client"),
    ("team", "equipe"),
    ("rep", "vendeur", "seller"),
    ("meeting", "reunion", "rdv"),
    ("call", "appel"),
    ("pipeline", "pipe"),
    ("export", "exporter", "extraction", "extract"),
    ("send", "envoyer", "envoi"),
    ("receive", "recevoir"),
    ("assign", "attribuer", "assigner", "assignment", "attribution"),
    ("routing", "routage"),
    ("owner", "proprietaire"),
    ("price", "prix", "pricing", "tarif"),
    ("product", "produit"),
    ("partner", "partenaire"),
    ("reminder", "relance"),
    ("update", "maj"),
)


@lru_cache(maxsize=1)
def _synonyms_by_word() -> dict[str, tuple[str, ...]]:
    return {fold(word): group for group in SYNONYM_GROUPS for word in group}


def glossary_group(term: str) -> tuple[str, ...]:
    """The glossary group of a term: by its word, or its singular ("rapports", "comptes"),
    never by its stem (French stems join words apart: "quota" and "quote" are both "quot")."""
    by_word = _synonyms_by_word()
    for form in (term, term[:-1] if len(term) > 3 and term[-1] in "sx" else term):
        if form in by_word:
            return by_word[form]
    return ()


@lru_cache(maxsize=65536)
def expanded(term: str, glossary: bool = True) -> tuple[str, ...]:
    """A term and the other words of its glossary group (SYNONYM_GROUPS), the term first;
    the term alone without the glossary."""
    if not glossary:
        return (term,)
    return (term, *(word for word in glossary_group(term) if word != term))


@lru_cache(maxsize=65536)
def term_stems(term: str, glossary: bool = True) -> frozenset[str]:
    """Every stem a term matches: its own and those of its glossary synonyms."""
    return frozenset(stem for word in expanded(term, glossary) for stem in stems(word))


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


def fts5_query(searched: Iterable[str], glossary: bool = True) -> str:
    """An FTS5 MATCH expression: any stem of any term. Every stem is a double-quoted string of
    letters and digits, so no operator of the query syntax can come from the draft."""
    unique = dict.fromkeys(
        stem for term in searched for word in expanded(term, glossary) for stem in stems(word)
    )
    return " OR ".join(f'"{stem}"' for stem in unique)


def tsquery_text(searched: Iterable[str], glossary: bool = True) -> str:
    """Input for PostgreSQL's to_tsquery: any of the terms (or of their glossary synonyms).
    Terms are letters and digits only, so the tsquery syntax (& | ! : * quotes) can never
    come from the draft."""
    return " | ".join(dict.fromkeys(word for term in searched for word in expanded(term, glossary)))


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
