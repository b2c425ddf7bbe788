"""Queries of the identity engine: blocking keys, profiles, claims, the review queue."""

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from contacthub.db.models import Contact, DuplicateReview, IdentityClaim, IdentityKey, IdentityProfile
from contacthub.repositories import bulk, raw


_KEYS, _PROFILES, _CLAIMS = IdentityKey.__table__, IdentityProfile.__table__, IdentityClaim.__table__


def delete_own_keys(session: Session, ws: uuid.UUID, contact_id: uuid.UUID) -> None:
    """Drops the keys and profile a contact's own data made (those of contacts merged into it stay)."""
    for table in (_KEYS, _PROFILES):
        session.execute(delete(table).where(
            table.c.workspace_id == ws, table.c.contact_id == contact_id, table.c.origin_id == contact_id))


def file_keys(session: Session, ws: uuid.UUID, contact_id: uuid.UUID, keys: Iterable[str], profile: dict) -> None:
    """Files the contact's own data under its keys, with its profile (this runs on every write)."""
    session.flush()
    bulk.insert_dicts(session, _KEYS, [{"workspace_id": ws, "key": k, "contact_id": contact_id, "origin_id": contact_id}
                                       for k in set(keys)])
    bulk.insert_dicts(session, _PROFILES, [{"workspace_id": ws, "contact_id": contact_id, "origin_id": contact_id,
                                            "profile": profile}])


def file_tuples(session: Session, keys: Sequence[tuple], profiles: Sequence[tuple], claims: Sequence[tuple]) -> None:
    """Bulk filing of new contacts, rows as tuples: keys (workspace_id, key, contact_id,
    origin_id) and profiles (workspace_id, contact_id, origin_id, profile) inserted, claims
    (workspace_id, key, contact_id) taken where free."""
    bulk.insert_tuples(session, _KEYS, ("workspace_id", "key", "contact_id", "origin_id"), keys)
    bulk.insert_tuples(session, _PROFILES, ("workspace_id", "contact_id", "origin_id", "profile"), profiles)
    bulk.insert_tuples(session, _CLAIMS, ("workspace_id", "key", "contact_id"), claims, ignore_conflicts=True)


def move_all(session: Session, ws: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID,
             origins: Sequence[uuid.UUID] | None = None) -> None:
    """Hand keys and profiles (all, or only those of the given origins) from one contact to another."""
    for model in (IdentityKey, IdentityProfile):
        query = update(model).where(model.workspace_id == ws, model.contact_id == from_id)
        if origins is not None:
            query = query.where(model.origin_id.in_(list(origins)))
        session.execute(query.values(contact_id=to_id).execution_options(synchronize_session=False))
    session.flush()






def candidates(session: Session, ws: uuid.UUID, keys: Sequence[str], limit: int, per_key: int,
               exclude: uuid.UUID | None = None) -> list[tuple[uuid.UUID, int]]:
    """Contacts filed under any of the keys, most shared keys first. Each key contributes at most
    `per_key` contacts (one index range each), so a key thousands share costs no more than a rare
    one; the counting runs in the database."""
    if not keys:
        return []
    blocks = []
    for key in dict.fromkeys(keys):
        block = select(IdentityKey.key, IdentityKey.contact_id).where(
            IdentityKey.workspace_id == ws, IdentityKey.key == key)
        if exclude is not None:
            block = block.where(IdentityKey.contact_id != exclude)
        block = block.limit(per_key).subquery()  # a subquery: SQLite takes no LIMIT inside a UNION
        blocks.append(select(block.c.key, block.c.contact_id))
    filed = union_all(*blocks).subquery()
    shared = func.count(func.distinct(filed.c.key)).label("shared")
    query = (
        select(filed.c.contact_id, shared)
        .group_by(filed.c.contact_id)
        .order_by(shared.desc(), filed.c.contact_id)
        .limit(limit)
    )
    return [(contact_id, count) for contact_id, count in session.execute(query)]


def contacts_with_keys(session: Session, ws: uuid.UUID, keys: Sequence[str],
                       newest: int | None = None) -> set[uuid.UUID]:
    """The contacts filed under any of the keys (only the `newest` so many, when given)."""
    if not keys:
        return set()
    query = select(IdentityKey.contact_id).where(IdentityKey.workspace_id == ws, IdentityKey.key.in_(list(keys)))
    if newest is not None:  # ids are UUIDv7: the highest are the newest
        query = query.order_by(IdentityKey.contact_id.desc()).limit(newest)
    return set(session.scalars(query))


def profiles(session: Session, ws: uuid.UUID, contact_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    found: dict[uuid.UUID, list[dict]] = {}
    if not contact_ids:
        return found
    rows = session.execute(
        select(IdentityProfile.contact_id, IdentityProfile.origin_id, IdentityProfile.profile)
        .where(IdentityProfile.workspace_id == ws, IdentityProfile.contact_id.in_(list(contact_ids)))
    )
    for contact_id, origin_id, profile in rows:
        # the contact's own profile first: it is the one that says what it is now
        bucket = found.setdefault(contact_id, [])
        bucket.insert(0, profile) if origin_id == contact_id else bucket.append(profile)
    return found


def live_ids(session: Session, ws: uuid.UUID, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(session.scalars(select(Contact.id).where(
        Contact.workspace_id == ws, Contact.id.in_(list(ids)), Contact.merged_into.is_(None))))


# ---------------------------------------------------------------- claims

def claim(session: Session, ws: uuid.UUID, contact_id: uuid.UUID, keys: Sequence[str]) -> None:
    """Claims the keys nobody holds for the contact. On PostgreSQL a concurrent claim of the
    same key waits for the other transaction, then leaves the key to it."""
    if keys:
        session.flush()
        bulk.insert_dicts(session, _CLAIMS, [{"workspace_id": ws, "key": k, "contact_id": contact_id}
                                             for k in set(keys)], ignore_conflicts=True)


def holders(session: Session, ws: uuid.UUID, keys: Sequence[str]) -> dict[str, uuid.UUID]:
    """Who holds each of the keys now."""
    if not keys:
        return {}
    wanted = list(set(keys))
    rows = raw.select(session, f"SELECT key, contact_id FROM identity_claims WHERE workspace_id = ? "
                               f"AND key IN ({raw.marks(len(wanted))})", [ws, *wanted])
    return {key: raw.as_uuid(holder) for key, holder in rows}


def release(session: Session, ws: uuid.UUID, contact_id: uuid.UUID, keep: Sequence[str]) -> None:
    """Drops the contact's claims on keys it no longer carries."""
    query = delete(_CLAIMS).where(_CLAIMS.c.workspace_id == ws, _CLAIMS.c.contact_id == contact_id)
    if keep:
        query = query.where(_CLAIMS.c.key.not_in(list(keep)))
    session.execute(query)


def move_claims(session: Session, ws: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    session.execute(update(IdentityClaim).where(IdentityClaim.workspace_id == ws, IdentityClaim.contact_id == from_id)
                    .values(contact_id=to_id).execution_options(synchronize_session=False))


# ---------------------------------------------------------------- review queue

def add_review(session: Session, ws: uuid.UUID, contact_id, candidate_id, score: float, reasons: list) -> bool:
    """Queues the pair unless it is queued already (in either order)."""
    for a, b in ((contact_id, candidate_id), (candidate_id, contact_id)):  # two lookups on the unique key
        if session.scalar(select(func.count()).select_from(DuplicateReview).where(
                DuplicateReview.workspace_id == ws, DuplicateReview.contact_id == a, DuplicateReview.candidate_id == b)):
            return False
    session.add(DuplicateReview(workspace_id=ws, contact_id=contact_id, candidate_id=candidate_id,
                                score=score, reasons=reasons))
    return True


def drop_open_reviews(session: Session, ws: uuid.UUID, contact_ids: Sequence[uuid.UUID]) -> None:
    """The open pairs naming any of these contacts, on either side, go."""
    ids = list(contact_ids)
    session.execute(delete(DuplicateReview).where(
        DuplicateReview.workspace_id == ws, DuplicateReview.status == "open",
        or_(DuplicateReview.contact_id.in_(ids), DuplicateReview.candidate_id.in_(ids))))


def follow_merge_in_open_pairs(session: Session, ws: uuid.UUID, loser: uuid.UUID, survivor: uuid.UUID) -> None:
    """The open pairs naming `loser` name `survivor` instead (what a reviewer would decide on
    now); one that would pair the survivor with itself, or repeat a pair, goes."""
    rows = list(session.scalars(select(DuplicateReview).where(
        DuplicateReview.workspace_id == ws, DuplicateReview.status == "open",
        or_(DuplicateReview.contact_id == loser, DuplicateReview.candidate_id == loser))))
    if not rows:
        return
    others = [r.candidate_id if r.contact_id == loser else r.contact_id for r in rows]
    paired = set(session.execute(select(DuplicateReview.contact_id, DuplicateReview.candidate_id).where(
        DuplicateReview.workspace_id == ws,
        or_(DuplicateReview.contact_id == survivor, DuplicateReview.candidate_id == survivor))).all())
    for row, other in zip(rows, others):
        if other == survivor or (survivor, other) in paired or (other, survivor) in paired:
            session.delete(row)
            continue
        if row.contact_id == loser:
            row.contact_id = survivor
        else:
            row.candidate_id = survivor
        paired.add((row.contact_id, row.candidate_id))
    session.flush()


def reopen_pair(session: Session, ws: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> None:
    """The accepted pair of these two (either order), if any, is open again."""
    session.execute(update(DuplicateReview).where(
        DuplicateReview.workspace_id == ws, DuplicateReview.status == "accepted",
        or_((DuplicateReview.contact_id == a) & (DuplicateReview.candidate_id == b),
            (DuplicateReview.contact_id == b) & (DuplicateReview.candidate_id == a)))
        .values(status="open", decided_at=None).execution_options(synchronize_session=False))


def rejected_partners(session: Session, ws: uuid.UUID, contact_id: uuid.UUID) -> set[uuid.UUID]:
    """The contacts a reviewer said are not this one (rejected pairs, either side)."""
    rows = session.execute(select(DuplicateReview.contact_id, DuplicateReview.candidate_id).where(
        DuplicateReview.workspace_id == ws, DuplicateReview.status == "rejected",
        or_(DuplicateReview.contact_id == contact_id, DuplicateReview.candidate_id == contact_id)))
    return {b if a == contact_id else a for a, b in rows}


def settle_open_pair(session: Session, ws: uuid.UUID, a: uuid.UUID, b: uuid.UUID, now) -> None:
    """The open pair of these two contacts (in either order), if any, is accepted."""
    session.execute(update(DuplicateReview).where(
        DuplicateReview.workspace_id == ws, DuplicateReview.status == "open",
        or_((DuplicateReview.contact_id == a) & (DuplicateReview.candidate_id == b),
            (DuplicateReview.contact_id == b) & (DuplicateReview.candidate_id == a)))
        .values(status="accepted", decided_at=now).execution_options(synchronize_session=False))


def review(session: Session, ws: uuid.UUID, review_id: uuid.UUID) -> DuplicateReview | None:
    return session.get(DuplicateReview, (ws, review_id))


def reviews_page(session: Session, ws: uuid.UUID, status: str | None, after: uuid.UUID | None,
                 limit: int) -> list[DuplicateReview]:
    query = select(DuplicateReview).where(DuplicateReview.workspace_id == ws)
    if status:
        query = query.where(DuplicateReview.status == status)
    if after is not None:
        query = query.where(DuplicateReview.id > after)
    return list(session.scalars(query.order_by(DuplicateReview.id).limit(limit)))




def live_contact_ids_page(session: Session, ws: uuid.UUID, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    query = select(Contact.id).where(Contact.workspace_id == ws, Contact.merged_into.is_(None))
    if after is not None:
        query = query.where(Contact.id > after)
    return list(session.scalars(query.order_by(Contact.id).limit(limit)))


def unindexed_contact_ids(session: Session, ws: uuid.UUID, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """Live contacts with no profile of their own in the index (written by a path that skipped it)."""
    own = select(IdentityProfile.contact_id).where(
        IdentityProfile.workspace_id == ws, IdentityProfile.contact_id == Contact.id,
        IdentityProfile.origin_id == Contact.id)
    query = select(Contact.id).where(Contact.workspace_id == ws, Contact.merged_into.is_(None), ~own.exists())
    if after is not None:
        query = query.where(Contact.id > after)
    return list(session.scalars(query.order_by(Contact.id).limit(limit)))
