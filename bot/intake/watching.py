"""Duplicates, watchers and merges: one need, one request, everyone who shares it told.

Rules (session-taking, no Slack):
- A *possible duplicate* of a draft is an open request of the same workspace (new, waiting,
  accepted, in progress: never a merged, withdrawn or otherwise closed one) that the
  full-text engine finds for the draft's own words (no glossary: GLOSSARY) and that passes
  the docs' confidence rule (knowledge.confident) with its own numbers (REQUEST_RULE):
  showing nothing beats showing a wrong request. With the semantic extra on, open requests
  near the draft in meaning are fused in (meaning.fused, REQUEST_SEMANTIC_RULE): a French
  draft finds the English request that asks for the same thing.
- *Following* a request makes someone a watcher: they hear its status and ETA news as its
  requester does, see it in their App Home, and nothing new is filed. Its requester cannot
  follow it, and following twice changes nothing. Each distinct watcher raises the request's
  who-benefits factor by a bounded step (service.benefit_factor): its stored base score is
  recomputed, which moves it in the queue.
- A request filed although it looked like open ones remembers the best of them
  (`duplicate_of_id`): its card says "possible duplicate of REQ-9" with a Merge button.
- *Merging* a request (new or waiting on its requester) into another open one closes it as
  `merged` (history on both: an event on each) and makes its requester, and its own
  watchers, watchers of the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import semantic, textsearch
from bot.errors import N_, UserFacingError
from bot.intake import knowledge, meaning, search
from bot.intake.models import IntakeRequest, RequestEvent, RequestWatcher, Status, WatchVia
from bot.intake.service import OPEN_STATUSES, base_score, check_transition

SHOWN_DUPLICATES = 3
# Open requests are searched on the draft's own words: the bilingual glossary, which finds
# more docs, found no more duplicates on the dev half of bench/data/deflection.yaml and
# offered a wrong one (a request is narrower than a doc: "coverage by product line" is not
# "coverage by segment").
GLOSSARY = False
# The confidence rule duplicates pass: the docs' first rule, which found every duplicate of
# the dev half and offered no wrong one (the docs' rule was later tightened for docs only).
REQUEST_RULE = knowledge.ConfidenceRule(
    close_to_best=0.7,
    min_matched=3,
    min_share=0.2,
    min_rank={"sqlite": 7.0, "postgresql": 0.25},
    min_coverage=0.3,
)
# With the semantic extra on, open requests near the draft in meaning are fused in as docs are
# (meaning.fused), with these numbers: `bench/calibrate_semantic.py --on dev,fresh --rows
# requests`. On those drafts (20 answered by one of the set's 8 open requests) full-text alone
# found 80% of the duplicates (the glossary is off for requests: a French draft rarely shares
# their words); fused, every one, and no more wrong offers. Every cosine of the grid from 0.4 up
# was as good: 0.425 keeps a step to spare.
REQUEST_SEMANTIC_RULE = meaning.SemanticRule(min_cosine=0.425, margin=0.0, min_cosine_found=0.5)
_OPEN = "AND t.status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))

CLOSED_TARGET = N_("REQ-{number} is closed: there is nothing to follow or merge into.")
OWN_REQUEST = N_("You filed REQ-{number} yourself: you already hear all its news.")
SAME_REQUEST = N_("A request cannot be merged into itself.")


@dataclass(frozen=True)
class RequestMatch:
    request: IntakeRequest
    shared: tuple[str, ...]  # the draft's words that matched


@dataclass(frozen=True)
class DuplicateCandidates:
    """What the engines found for a draft among the open requests (before fusion): the rows
    read, the full-text candidates (with their matched terms), those knowledge.confident
    keeps, and the nearest in meaning (empty unless the semantic extra is on)."""

    found: dict[int, IntakeRequest]
    candidates: list[knowledge.Candidate]
    kept: list[knowledge.Candidate]
    nearest: list[tuple[int, float]]


def duplicate_candidates(
    *, session: Session, team_id: str, text: str, filed_from_view: str | None = None
) -> DuplicateCandidates | None:
    """The engines' open requests for a draft (None for a draft with no term to search)."""
    searched = textsearch.query_terms(text)
    if not searched:
        return None
    ranked = search.ranked_ids(
        session,
        table="intake_requests",
        team_id=team_id,
        searched=searched,
        where=_OPEN,
        glossary=GLOSSARY,
    )
    nearest = (
        meaning.nearest_requests(
            session=session, team_id=team_id, text=text, statuses=OPEN_STATUSES
        )
        if semantic.enabled()
        else []
    )
    read = [row_id for row_id, _ in ranked] + [row_id for row_id, _ in nearest]
    found = {
        request.id: request
        for request in session.scalars(
            select(IntakeRequest).where(
                IntakeRequest.team_id == team_id, IntakeRequest.id.in_(read)
            )
        )
        # The request this very modal filed (a double click, a Slack retry) is not its own
        # duplicate.
        if filed_from_view is None or request.filed_from_view != filed_from_view
    }
    candidates = []
    for row_id, rank in ranked:
        if row_id in found:
            stems = textsearch.stem_set(meaning.request_text(found[row_id]))
            matched = frozenset(
                term
                for term in searched
                if stems.intersection(textsearch.term_stems(term, GLOSSARY))
            )
            candidates.append(knowledge.Candidate(row_id, rank, matched))
    kept = knowledge.confident(
        candidates,
        searched=len(searched),
        dialect=session.get_bind().dialect.name,
        rule=REQUEST_RULE,
    )
    return DuplicateCandidates(
        found, candidates, kept, [(row_id, cos) for row_id, cos in nearest if row_id in found]
    )


def matching_requests(
    *, session: Session, team_id: str, text: str, filed_from_view: str | None = None
) -> list[RequestMatch]:
    """Open requests of the team that look like a draft (best first, at most
    SHOWN_DUPLICATES): the engine's candidates that pass knowledge.confident, and with the
    semantic extra on those near it in meaning (meaning.fused)."""
    duplicates = duplicate_candidates(
        session=session, team_id=team_id, text=text, filed_from_view=filed_from_view
    )
    if duplicates is None:
        return []
    chosen = [candidate.id for candidate in duplicates.kept]
    if duplicates.nearest:
        chosen = meaning.fused(
            chosen,
            [candidate.id for candidate in duplicates.candidates],
            duplicates.nearest,
            REQUEST_SEMANTIC_RULE,
        )
    matched_of = {candidate.id: candidate.matched for candidate in duplicates.candidates}
    matches = []
    for row_id in chosen[:SHOWN_DUPLICATES]:
        wanted = frozenset(
            stem
            for term in matched_of.get(row_id, frozenset())
            for stem in textsearch.term_stems(term, GLOSSARY)
        )
        matches.append(
            RequestMatch(duplicates.found[row_id], tuple(textsearch.matched_words(text, wanted)))
        )
    return matches


def offer_before_filing(*, matched: list[int], shown: list[int]) -> bool:
    """Like the docs: open requests the requester has not seen yet are shown ("follow it
    instead?") before filing; once seen, submitting again files anyway."""
    return any(request_id not in shown for request_id in matched)


def watchers_of(*, session: Session, team_id: str, request_id: int) -> list[str]:
    """The people following a request, in the order they came."""
    return list(
        session.scalars(
            select(RequestWatcher.user_id)
            .where(RequestWatcher.team_id == team_id, RequestWatcher.request_id == request_id)
            .order_by(RequestWatcher.id)
        )
    )


def followed_by(
    *, session: Session, team_id: str, user_id: str, limit: int = 10
) -> list[IntakeRequest]:
    """The requests someone follows, the latest followed first (their App Home)."""
    return list(
        session.scalars(
            select(IntakeRequest)
            .join(RequestWatcher, RequestWatcher.request_id == IntakeRequest.id)
            .where(RequestWatcher.team_id == team_id, RequestWatcher.user_id == user_id)
            .order_by(RequestWatcher.id.desc())
            .limit(limit)
        )
    )


def _open_request(session: Session, team_id: str, request_id: int) -> IntakeRequest:
    request = session.scalar(
        select(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.id == request_id)
        .with_for_update()
    )
    if request is None:
        raise UserFacingError(N_("This request no longer exists."))
    if request.status not in OPEN_STATUSES:
        raise UserFacingError(CLOSED_TARGET, number=request.number)
    return request


def add_watcher(
    *,
    session: Session,
    request: IntakeRequest,
    user_id: str,
    via: str,
    now: datetime,
    merged_request_id: int | None = None,
) -> bool:
    """Make `user_id` a watcher of `request` (locked by the caller); its watcher count and
    base score follow. False when they filed it or already follow it: nothing changes."""
    if user_id == request.requester_id:
        return False
    already = session.scalar(
        select(RequestWatcher.id).where(
            RequestWatcher.team_id == request.team_id,
            RequestWatcher.request_id == request.id,
            RequestWatcher.user_id == user_id,
        )
    )
    if already is not None:
        return False
    session.add(
        RequestWatcher(
            team_id=request.team_id,
            request_id=request.id,
            user_id=user_id,
            via=via,
            merged_request_id=merged_request_id,
            created_at=now,
        )
    )
    session.flush()
    request.watcher_count = (
        session.scalar(
            select(func.count())
            .select_from(RequestWatcher)
            .where(
                RequestWatcher.team_id == request.team_id, RequestWatcher.request_id == request.id
            )
        )
        or 0
    )
    request.base_score = base_score(
        impact=request.impact, beneficiary=request.beneficiary, watchers=request.watcher_count
    )
    return True


@dataclass(frozen=True)
class Followed:
    request: IntakeRequest
    added: bool  # False: they filed it, or already followed it


def follow(
    *, session: Session, team_id: str, request_id: int, user_id: str, now: datetime
) -> Followed:
    """Someone follows an open request instead of filing theirs (see the module docstring)."""
    request = _open_request(session, team_id, request_id)
    if user_id == request.requester_id:
        raise UserFacingError(OWN_REQUEST, number=request.number)
    added = add_watcher(
        session=session, request=request, user_id=user_id, via=WatchVia.follow, now=now
    )
    return Followed(request, added)


@dataclass(frozen=True)
class Merged:
    merged: IntakeRequest
    into: IntakeRequest
    merged_event: RequestEvent
    into_event: RequestEvent
    new_watchers: list[str]


def merge(
    *, session: Session, team_id: str, request_id: int, into_id: int, actor_id: str, now: datetime
) -> Merged:
    """Merge a request into another open one (see the module docstring). A merge the state
    machine does not allow (already merged, accepted...) is refused and changes nothing."""
    if request_id == into_id:
        raise UserFacingError(SAME_REQUEST)
    into = _open_request(session, team_id, into_id)
    merged = session.scalar(
        select(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.id == request_id)
        .with_for_update()
    )
    if merged is None:
        raise UserFacingError(N_("This request no longer exists."))
    check_transition(number=merged.number, current=merged.status, target=Status.merged)
    before = merged.status
    merged.status = Status.merged
    merged.merged_into_id = into.id
    merged.closed_at = merged.touched_at = now
    merged_event = RequestEvent(
        team_id=team_id,
        request_id=merged.id,
        actor_id=actor_id,
        from_status=before,
        to_status=Status.merged,
        note=f"REQ-{into.number}",
        created_at=now,
    )
    into_event = RequestEvent(
        team_id=team_id,
        request_id=into.id,
        actor_id=actor_id,
        from_status=into.status,
        to_status=into.status,
        note=f"REQ-{merged.number}",
        created_at=now,
    )
    session.add_all([merged_event, into_event])
    people = [
        merged.requester_id,
        *watchers_of(session=session, team_id=team_id, request_id=merged.id),
    ]
    new_watchers = [
        user_id
        for user_id in dict.fromkeys(people)
        if add_watcher(
            session=session,
            request=into,
            user_id=user_id,
            via=WatchVia.merge,
            now=now,
            merged_request_id=merged.id,
        )
    ]
    # Requests filed as duplicates of the merged one now point at the one that stays.
    session.execute(
        update(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.duplicate_of_id == merged.id)
        .values(duplicate_of_id=into.id)
    )
    session.flush()
    return Merged(merged, into, merged_event, into_event, new_watchers)
