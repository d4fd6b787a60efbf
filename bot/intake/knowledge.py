"""The team's knowledge base: docs it answered with, offered again before the next filing.

Matching is deliberately simple and explainable. Text is reduced to keywords (lower case,
accents removed, English and French stop words and words under three letters dropped, a plural
"s" removed). A doc matches a draft request when they share at least two keywords, or the one
keyword of a very short draft; the modal shows which words matched. Docs sharing more keywords
come first, then the docs used most. Matching docs are shown once before filing; submitting
again files anyway (offer_before_filing).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.intake.models import Deflection, KnowledgeDoc

MIN_SHARED_KEYWORDS = 2
SHORT_DRAFT_KEYWORDS = 2  # a draft this short matches on one shared keyword
SHOWN_MATCHES = 3
# A team's knowledge base is hundreds of docs; scanning the most used is enough and bounded.
SCANNED_DOCS = 2000
PICKER_DOCS = 100
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
    """The normalised keywords of a text (see the module docstring), each once, in the order
    they first appear."""
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


def keywords_of(text: str) -> frozenset[str]:
    """The normalised keywords of a text, as a set (matching)."""
    return frozenset(keywords_in_order(text))


def kept_keywords(known: list[str], answered: list[str]) -> list[str]:
    """A doc's keywords after it answered one more request, most telling first, at most
    KEYWORDS_KEPT: the words requests keep repeating (known and used again), then the new
    request's own words in its order, then the older words no request repeated, the oldest
    last. What goes past the limit is what nobody asked with again: never the latest words.
    """
    again = set(answered)
    repeated = [word for word in known if word in again]
    fresh = [word for word in answered if word not in set(known)]
    older = [word for word in known if word not in again]
    return (repeated + fresh + older)[:KEYWORDS_KEPT]


def shared_keywords(draft: frozenset[str], doc: frozenset[str]) -> frozenset[str] | None:
    """The keywords that make a doc match a draft, or None when it does not match."""
    shared = draft & doc
    if len(shared) >= MIN_SHARED_KEYWORDS:
        return shared
    if shared and len(draft) <= SHORT_DRAFT_KEYWORDS:
        return shared
    return None


@dataclass(frozen=True)
class DocMatch:
    doc: KnowledgeDoc
    shared: tuple[str, ...]  # the matching words, shown to the requester


def matching_docs(
    *, session: Session, team_id: str, text: str, limit: int = SHOWN_MATCHES
) -> list[DocMatch]:
    """Docs of the team that may already answer a draft request (best first)."""
    draft = keywords_of(text)
    if not draft:
        return []
    docs = session.scalars(
        select(KnowledgeDoc)
        .where(KnowledgeDoc.team_id == team_id)
        .order_by(KnowledgeDoc.times_used.desc(), KnowledgeDoc.id.desc())
        .limit(SCANNED_DOCS)
    )
    matches = []
    for doc in docs:
        shared = shared_keywords(draft, frozenset(doc.keywords.split()))
        if shared:
            matches.append(DocMatch(doc, tuple(sorted(shared))))
    matches.sort(key=lambda match: (-len(match.shared), -match.doc.times_used, -match.doc.id))
    return matches[:limit]


def offer_before_filing(*, matched: list[int], shown: list[int]) -> bool:
    """Deflection before filing: a submit that matches docs the requester has not seen yet
    shows them ("Does this answer it?") instead of filing; once seen, submitting again files
    anyway: the requester decided they do not answer it."""
    return any(doc_id not in shown for doc_id in matched)


def _sha256(url: str) -> str:
    return hashlib.sha256(url.strip().encode()).hexdigest()


def find_doc(*, session: Session, team_id: str, doc_id: int) -> KnowledgeDoc | None:
    return session.scalar(
        select(KnowledgeDoc).where(KnowledgeDoc.team_id == team_id, KnowledgeDoc.id == doc_id)
    )


def docs_for_picker(*, session: Session, team_id: str) -> list[KnowledgeDoc]:
    """The docs a RevOps member may pick when answering: the most used first."""
    return list(
        session.scalars(
            select(KnowledgeDoc)
            .where(KnowledgeDoc.team_id == team_id)
            .order_by(KnowledgeDoc.times_used.desc(), KnowledgeDoc.id.desc())
            .limit(PICKER_DOCS)
        )
    )


def remember_doc(
    *,
    session: Session,
    team_id: str,
    url: str,
    summary: str,
    answered_text: str,
    actor_id: str,
    now: datetime,
) -> KnowledgeDoc:
    """Add a doc to the knowledge base, or count one more use of a known one (same URL).

    Its keywords grow with the words of every request it answered (kept_keywords): that is
    what the next requester will type.
    """
    url = url.strip()
    doc = session.scalar(
        select(KnowledgeDoc).where(
            KnowledgeDoc.team_id == team_id, KnowledgeDoc.url_sha256 == _sha256(url)
        )
    )
    # The summary and the title say what the doc is about: their words come first.
    words = keywords_in_order(f"{summary} {answered_text}")
    if doc is None:
        doc = KnowledgeDoc(
            team_id=team_id,
            url=url,
            url_sha256=_sha256(url),
            summary=summary,
            keywords=" ".join(kept_keywords([], words)),
            created_by=actor_id,
            created_at=now,
            times_used=1,
        )
        session.add(doc)
    else:
        doc.keywords = " ".join(kept_keywords(doc.keywords.split(), words))
        doc.summary = summary
        doc.times_used += 1
    session.flush()
    return doc


def record_deflection(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    doc_id: int | None,
    view_id: str,
    now: datetime,
) -> bool:
    """A requester withdrew a draft because a doc answered it; once per modal. True if new."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Deflection)
        .values(team_id=team_id, user_id=user_id, doc_id=doc_id, view_id=view_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "view_id"])
        .returning(Deflection.id)
    )
    return bool(session.execute(statement).all())
