"""The identity engine: "who is this?" for every door, and what to do about the answer.

1. Candidates come from the identity index (exact keys and fuzzy blocking keys), never a scan.
2. Each candidate is scored (core/identity_rules.py) through every record it is made of.
3. The caller's policy decides: merge into the best match, reject, create anyway, or create and
   queue the pair for review.

Concurrency: a new contact claims its exact keys (identity_claims, unique per key) in the same
transaction. When another transaction claimed one of them first, `ResolutionRace` is raised; the
caller rolls back and runs the whole resolution again (`run_resolving`), and the second run
finds the winner and merges into it.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacthub.core import contacts, merge
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, NotFound
from contacthub.core.identity_rules import (
    MERGE_AT,
    REVIEW_AT,
    blocking_keys,
    build_profile,
    compare_cluster,
    corroborated,
    exact_keys,
    names_clash,
    profile_of,
)
from contacthub.core.inputs import ContactInput, WriteOptions
from contacthub.core.normalize import normalize_email, normalize_phone
from contacthub.core.views import ContactView
from contacthub.db.types import utcnow
from contacthub.repositories import identity as repo
from contacthub.settings import get_settings

Policy = Literal["merge", "reject", "create", "review"]
CANDIDATE_LIMIT = 12
# A blocking key shared by more contacts than this (a common initial and surname, one employer)
# says little about who someone is: only this many of its contacts are looked at, so a lookup
# costs the same in a workspace of ten thousand Smiths. Exact keys are looked up whole apart.
BLOCK_LIMIT = 500
# An email, phone or identifier many contacts share (an office's switchboard, info@, kept apart
# by a door that allows it) is ranked through its newest holders only, and one write queues at
# most so many review pairs: the cost of a write does not grow with the number of holders.
EXACT_HOLDERS_LIMIT = 500
REVIEWS_PER_WRITE = 20
T = TypeVar("T")


class ResolutionRace(Exception):
    """Another transaction claimed one of our exact keys first: roll back and resolve again."""


@dataclass
class Match:
    contact_id: uuid.UUID
    score: float
    reasons: list[dict[str, Any]]
    exact: bool  # shares an email, phone or identifier

    @property
    def decision(self) -> str:
        strong = (self.score >= MERGE_AT and corroborated(self.reasons, self.score)) or (self.exact and self.score >= REVIEW_AT)
        if strong and not names_clash(self.reasons):
            return "merge"
        return "review" if self.score >= REVIEW_AT else "distinct"


@dataclass
class Outcome:
    contact: ContactView
    created: bool
    merged_from: uuid.UUID | None = None  # the id the incoming record got, now a tombstone
    match: Match | None = None
    reviews: list[Match] = field(default_factory=list)

    @property
    def merged_into(self) -> uuid.UUID | None:
        return None if self.created else self.contact.id


# ---------------------------------------------------------------- matching

def same_kinds(profile: dict[str, Any]) -> tuple[str, ...]:
    """The kinds of stored contact a record of this profile may be: a person only a person (a
    company's switchboard number on a person is no reason to merge the two); organizations and
    groups are both bodies of people, so either may be the other."""
    return ("person",) if profile.get("kind", "person") == "person" else ("organization", "group")


def profile_of_input(data: ContactInput) -> dict[str, Any]:
    """The matcher's view of an input that is not stored yet (unreadable emails/phones are left out:
    the write itself reports them)."""
    region = get_settings().default_region
    emails, phones = [], []
    for e in data.emails or []:
        try:
            emails.append(normalize_email(e.address))
        except ValueError:
            pass
    for p in data.phones or []:
        try:
            phones.append(normalize_phone(p.number, region))
        except ValueError:
            pass
    kind = data.kind or "person"
    return build_profile(
        kind=kind, first=data.first_name, middle=data.middle_name, last=data.last_name, nick=data.nickname,
        suffix=data.suffix, org=data.organization_name, display=data.display_name, birth=data.birth_date,
        emails=emails, phones=phones, ids=[(i.key, i.value) for i in data.identifiers or []],
        addresses=[(a.line1, a.line2, a.city, a.postal_code, a.region) for a in data.addresses or []],
        employer=data.employer,
    )


def rank(session: Session, workspace_id: uuid.UUID, profile: dict[str, Any], limit: int = 10,
         exclude: uuid.UUID | None = None, minimum: float | None = None, keep_exact: bool = True) -> list[Match]:
    """Stored contacts of a kind this profile may be (see same_kinds) that may be it, best first
    (of equal scores, one sharing an email, phone or identifier first). Past `limit`, those that
    share one are kept too when `keep_exact`: however many namesakes score better, the holder of
    the record's phone is never out of view, a household member whose names differ included (the
    callers cap the reviews a write queues, the holders of the key first: an office's email that
    hundreds share queues no hundreds)."""
    kinds = same_kinds(profile)
    exact = exact_keys(profile)
    found = dict(repo.candidates(session, workspace_id, blocking_keys(profile), CANDIDATE_LIMIT, BLOCK_LIMIT,
                                exclude))
    exact_ids = repo.contacts_with_keys(session, workspace_id, exact, newest=EXACT_HOLDERS_LIMIT) - {exclude}
    ids = list(set(found) | exact_ids)
    clusters = repo.profiles(session, workspace_id, ids)
    matches = []
    for contact_id in ids:
        if contact_id not in clusters:
            continue
        if clusters[contact_id][0].get("kind", "person") not in kinds:
            continue
        score = compare_cluster(profile, clusters[contact_id])
        if minimum is None or score.total >= minimum:
            matches.append(Match(contact_id, round(score.total, 2), score.reasons, contact_id in exact_ids))
    matches.sort(key=lambda m: (-m.score, not m.exact, str(m.contact_id)))
    return matches[:limit] + ([m for m in matches[limit:] if m.exact] if keep_exact else [])


def _holders_first(matches: list[Match]) -> list[Match]:
    """The matches sharing an email, phone or identifier first (best first within each), so that
    a cap on the pairs a write queues never leaves out the one holding the record's own key."""
    return sorted(matches, key=lambda m: not m.exact)


def match(session: Session, actor: Actor, data: ContactInput, limit: int = 10) -> list[tuple[ContactView, Match]]:
    """Ranked candidates for an input, without writing anything. The input is checked as a
    create checks it (an email or phone no create would take is a 422 here too)."""
    contacts.prepare(session, actor, data, data.model_fields_set, WriteOptions())
    matches = rank(session, actor.workspace_id, profile_of_input(data), limit, minimum=0.0, keep_exact=False)
    views = {v.id: v for v in contacts.get_many(session, actor, [m.contact_id for m in matches])}
    return [(views[m.contact_id], m) for m in matches if m.contact_id in views]


# ---------------------------------------------------------------- writing with a policy


def write(session: Session, actor: Actor, data: ContactInput, policy: Policy,
          options: WriteOptions | None = None) -> Outcome:
    """Create a contact the way the caller's policy says. `merge` folds it into the best
    match (the incoming record is kept as a tombstone, so unmerge can restore it)."""
    options = options or WriteOptions()
    if policy in ("reject", "create"):
        view = contacts.create(session, actor, data, options.model_copy(update={"on_duplicate": policy}))
        return Outcome(view, created=True)
    ws = actor.workspace_id
    profile = profile_of_input(data)
    # Read before ranking: under READ COMMITTED each statement sees a newer snapshot, and a
    # contact committed between the two reads must count as unseen so its claim raises the race.
    seen = repo.contacts_with_keys(session, ws, exact_keys(profile))
    # a contact sharing an exact key stays in view even when everything else disagrees (review it)
    matches = [m for m in rank(session, ws, profile, 5) if m.decision != "distinct" or m.exact]
    as_new = options.model_copy(update={"on_duplicate": "create"})
    best = _first_merge(matches)  # a stronger review candidate does not hide a real match
    if policy == "merge" and best is not None:
        incoming = contacts.create(session, actor, data, as_new)
        survivor = merge.merge(session, actor, best.contact_id, incoming.id)
        # Another strong match of the record is the same person too when it is so to the
        # survivor itself (a record holding John's email and Mary's phone makes no one of them):
        # else the pair waits in the review queue.
        for other in matches:
            if other is best or other.decision != "merge":
                continue
            other_id = contacts.resolve_id(session, actor, other.contact_id)
            if other_id == survivor.id:
                continue
            pair = compare_contacts(session, ws, survivor.id, other_id)
            if pair is not None and pair.decision == "merge":
                survivor = merge.merge(session, actor, survivor.id, other_id)
            elif pair is not None:
                repo.add_review(session, ws, other_id, survivor.id, pair.score, pair.reasons)
        return Outcome(survivor, created=False, merged_from=incoming.id, match=best)
    view = contacts.create(session, actor, data, as_new)
    check_claims(session, ws, view, seen)
    reviews = matches if policy == "review" else [m for m in matches if m.decision == "review" or m.exact]
    reviews = _holders_first(reviews)[:REVIEWS_PER_WRITE]
    for m in reviews:
        repo.add_review(session, ws, view.id, m.contact_id, m.score, m.reasons)
    return Outcome(view, created=True, reviews=reviews)


def find_or_create(session: Session, actor: Actor, data: ContactInput, options: WriteOptions | None = None) -> Outcome:
    """The best match as it is (nothing written), or a new contact when there is none."""
    options = options or WriteOptions()
    ws = actor.workspace_id
    seen = repo.contacts_with_keys(session, ws, exact_keys(profile_of_input(data)))  # before ranking: see write()
    found = find(session, actor, data)
    if found is not None:
        return found
    view = contacts.create(session, actor, data, options.model_copy(update={"on_duplicate": "create"}))
    check_claims(session, ws, view, seen)
    return Outcome(view, created=True)


def find(session: Session, actor: Actor, data: ContactInput) -> Outcome | None:
    """The stored contact `write(..., "merge")` would fold this record into, as it is now
    (nothing written); None when it would create one."""
    best = _first_merge(rank(session, actor.workspace_id, profile_of_input(data), 5))
    if best is not None:
        return Outcome(contacts.get(session, actor, best.contact_id), created=False, match=best)
    return None


def _first_merge(matches: list[Match]) -> Match | None:
    """The best-scoring match strong enough to merge (matches come best first)."""
    return next((m for m in matches if m.decision == "merge"), None)


def compare_contacts(session: Session, ws: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> Match | None:
    """How `b` looks to the identity engine beside `a`, as it is now (a's own profile against
    every record b is made of); None when either has no profile."""
    profiles = repo.profiles(session, ws, [a, b])
    if not profiles.get(a) or not profiles.get(b):
        return None
    mine = profiles[a][0]
    score = compare_cluster(mine, profiles[b])
    shared = set(exact_keys(mine)) & {k for p in profiles[b] for k in exact_keys(p)}
    return Match(b, round(score.total, 2), score.reasons, bool(shared))


def queue_shared_keys(session: Session, actor: Actor, view: ContactView) -> list[Match]:
    """Queues for review each live contact that shares an email, phone or identifier with
    `view`: for a door whose vendor lets two contacts hold the same one, so the write stands
    as the vendor's would, and the pair waits in the review queue (/v1/duplicates) for someone
    to merge or keep apart. Costs one indexed lookup when nothing is shared."""
    ws = actor.workspace_id
    profile = profile_of(view)
    if not repo.contacts_with_keys(session, ws, exact_keys(profile)) - {view.id}:
        return []
    shared = [m for m in rank(session, ws, profile, 5, exclude=view.id) if m.exact][:REVIEWS_PER_WRITE]
    for m in shared:
        repo.add_review(session, ws, view.id, m.contact_id, m.score, m.reasons)
    return shared


def queue_pairs(session: Session, ws: uuid.UUID, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> int:
    """Queues each (newer contact, the one it may duplicate) for review, scored as the engine
    scores them, both already filed in the identity index (an import's `review` rows, written
    in bulk); answers how many were new to the queue."""
    found = repo.profiles(session, ws, list({i for pair in pairs for i in pair}))
    queued = 0
    for contact_id, candidate_id in pairs:
        own, theirs = found.get(contact_id), found.get(candidate_id)
        if not own or not theirs or contact_id == candidate_id:
            continue
        score = compare_cluster(own[0], theirs)
        queued += repo.add_review(session, ws, contact_id, candidate_id, round(score.total, 2), score.reasons)
    return queued


def check_claims(session: Session, ws: uuid.UUID, view: ContactView, known: set[uuid.UUID]) -> None:
    """An exact key of the new contact held by a contact we did not see when we resolved means
    a concurrent write of the same person committed first."""
    owners = repo.holders(session, ws, exact_keys(profile_of(view)))  # the create claimed what was free
    strangers = {owner for owner in owners.values() if owner != view.id and owner not in known}
    if strangers and repo.live_ids(session, ws, list(strangers)):
        raise ResolutionRace()


def run_resolving(transaction: Callable[[], AbstractContextManager[Session]], work: Callable[[Session], T],
                  attempts: int = 5) -> T:
    """Runs `work` in a fresh transaction, again when a concurrent write of the same person won."""
    def attempt() -> T:
        with transaction() as session:
            return work(session)

    return retry_resolving(attempt, attempts)


def retry_resolving(attempt: Callable[[], T], attempts: int = 5) -> T:
    """Runs `attempt` (a whole transaction) again when a concurrent write of the same person won
    (ResolutionRace, or a unique key of the index or the review queue that collided): the next
    round finds that contact."""
    for i in range(attempts):
        try:
            return attempt()
        except (ResolutionRace, IntegrityError):
            if i == attempts - 1:
                raise Conflict("the same contact is being written concurrently; retry") from None
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- review queue

def accept_review(session: Session, actor: Actor, review_id: uuid.UUID) -> tuple[Any, ContactView]:
    """Merges the pair: the candidate (the older contact) survives."""
    row = _open_review(session, actor, review_id)
    survivor = contacts.resolve_id(session, actor, row.candidate_id)
    loser = contacts.resolve_id(session, actor, row.contact_id)
    view = contacts.get(session, actor, survivor) if survivor == loser else merge.merge(session, actor, survivor, loser)
    row.status, row.decided_at = "accepted", utcnow()
    return row, view


def reject_review(session: Session, actor: Actor, review_id: uuid.UUID):
    row = _open_review(session, actor, review_id)
    row.status, row.decided_at = "rejected", utcnow()
    return row


def _open_review(session: Session, actor: Actor, review_id: uuid.UUID):
    row = repo.review(session, actor.workspace_id, review_id)
    if row is None:
        raise NotFound("duplicate", review_id)
    if row.status != "open":
        raise Conflict(f"duplicate {review_id} is already {row.status}", field="status")
    return row


def reviews_page(session: Session, actor: Actor, status: str | None, after: uuid.UUID | None, limit: int):
    return repo.reviews_page(session, actor.workspace_id, status, after, limit)


# ---------------------------------------------------------------- dedupe of a stored workspace

def contact_ids(session: Session, actor: Actor, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    return repo.live_contact_ids_page(session, actor.workspace_id, after, limit)


def duplicates_of(session: Session, actor: Actor, contact_id: uuid.UUID) -> list[Match]:
    """Older live contacts this one duplicates (merge or review strength), best first."""
    ws = actor.workspace_id
    own = repo.profiles(session, ws, [contact_id]).get(contact_id, [])
    best: dict[uuid.UUID, Match] = {}
    for profile in own:
        for m in rank(session, ws, profile, 5, exclude=contact_id, minimum=REVIEW_AT):
            if m.contact_id < contact_id and (m.contact_id not in best or m.score > best[m.contact_id].score):
                best[m.contact_id] = m
    return sorted(best.values(), key=lambda m: -m.score)


def dedupe_contact(session: Session, actor: Actor, contact_id: uuid.UUID, do_merge: bool,
                   queue_reviews: bool) -> tuple[list[Match], bool, int]:
    """Finds the duplicates of one stored contact; merges it into the best when asked (the older
    contact survives). Answers the matches, whether it was merged, and how many pairs were queued."""
    if not repo.live_ids(session, actor.workspace_id, [contact_id]):
        return [], False, 0
    found = duplicates_of(session, actor, contact_id)
    # a pair a reviewer rejected is two people: never merged, nor queued again
    rejected = repo.rejected_partners(session, actor.workspace_id, contact_id)
    found = [m for m in found if m.contact_id not in rejected]
    best = _first_merge(found) if do_merge else None
    if best is not None:
        merge.merge(session, actor, best.contact_id, contact_id)
    queued = 0
    if queue_reviews:
        for m in found:
            if m is not best:
                queued += repo.add_review(session, actor.workspace_id, contact_id, m.contact_id, m.score, m.reasons)
    return found, best is not None, queued


def iter_all(session_factory: Callable[[], AbstractContextManager[Session]], actor: Actor,
             batch: int = 500, after: uuid.UUID | None = None) -> Iterator[uuid.UUID]:
    """Every contact id of the workspace after `after`, oldest first, a page per transaction."""
    while True:
        with session_factory() as session:
            ids = contact_ids(session, actor, after, batch)
        yield from ids
        if len(ids) < batch:
            return
        after = ids[-1]


def index_missing(session: Session, actor: Actor, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """Files up to `limit` live contacts that are missing from the identity index (a store
    written before the index existed, or by hand); answers their ids (empty when none are left after `after`)."""
    from contacthub.core import identity_index

    ids = repo.unindexed_contact_ids(session, actor.workspace_id, after, limit)
    identity_index.index_views(session, actor.workspace_id, contacts.get_many(session, actor, ids))
    return ids


def index_all_missing(db, actor: Actor, page: int = 500) -> int:
    """Files every live contact of the workspace that is missing from the identity index, a page
    to a write transaction (`db`: a Database); answers how many."""
    filed, after = 0, None
    while True:
        with db.write(workspace=actor.workspace_id) as session:
            ids = index_missing(session, actor, after, page)
        filed += len(ids)
        if len(ids) < page:
            return filed
        after = ids[-1]
