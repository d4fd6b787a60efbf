"""The keyword matcher revops-bot shipped before full-text search (bot/intake/knowledge.py up
to issue 17), kept here verbatim in its rules so that bench/deflection.py measures the baseline
in every run: lower-cased keywords with accents removed, English and French stop words and
words under three letters dropped, a final plural "s" removed; a doc matches when it shares two
keywords with the draft (one for a draft of at most two keywords); more shared keywords first,
then the most used doc, then the newest. A doc's keywords are those of its summary and of the
requests it answered, at most 200 (kept_keywords).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MIN_SHARED_KEYWORDS = 2
SHORT_DRAFT_KEYWORDS = 2
KEYWORDS_KEPT = 200

_STOP_WORDS = """
    the and for with that this from have has are was were will would could should can not
    but all any our your their them they what when where which who why how into about than
    then there these those been being also just only more most some such very need needs
    please want like get got make made use using new one two per via its it's you we
    les des une pour avec que qui dans sur par pas est sont nous vous ils elle elles mais
    plus tout tous cette ces son ses leur leurs aux faire fait besoin merci bonjour
    """
STOP_WORDS = frozenset(_STOP_WORDS.split())


def keywords_in_order(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    words: dict[str, None] = {}
    for word in re.findall(r"[a-z0-9]+", plain):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words[word] = None
    return list(words)


def kept_keywords(known: list[str], answered: list[str]) -> list[str]:
    again = set(answered)
    repeated = [word for word in known if word in again]
    fresh = [word for word in answered if word not in set(known)]
    older = [word for word in known if word not in again]
    return (repeated + fresh + older)[:KEYWORDS_KEPT]


@dataclass
class Doc:
    key: str
    keywords: list[str] = field(default_factory=list)
    times_used: int = 0
    order: int = 0


class KeywordMatcher:
    """Docs remembered as remember_doc did (one call per answered request), matched in memory
    as matching_docs did over the 2,000 most used."""

    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    def remember(self, key: str, summary: str, answered_text: str) -> None:
        doc = self.docs.get(key)
        words = keywords_in_order(f"{summary} {answered_text}")
        if doc is None:
            self.docs[key] = Doc(key, kept_keywords([], words), 1, len(self.docs))
        else:
            doc.keywords = kept_keywords(doc.keywords, words)
            doc.times_used += 1

    def match(self, text: str, limit: int = 3) -> list[str]:
        draft = frozenset(keywords_in_order(text))
        if not draft:
            return []
        found = []
        for doc in self.docs.values():
            shared = draft & frozenset(doc.keywords)
            if len(shared) >= MIN_SHARED_KEYWORDS or (
                shared and len(draft) <= SHORT_DRAFT_KEYWORDS
            ):
                found.append((-len(shared), -doc.times_used, -doc.order, doc.key))
        found.sort()
        return [key for *_, key in found[:limit]]
