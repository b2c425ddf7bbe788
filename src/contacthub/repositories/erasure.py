"""The queries that erase a person (core/erasure.py): their contact rows, and what other tables
keep of them."""

import uuid
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from contacthub.db.models import (
    Contact,
    ContactPoint,
    DuplicateReview,
    Event,
    IdempotencyRecord,
    ImportRow,
)


def merged_from(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The records merged into any of `ids` (tombstones), one level."""
    if not ids:
        return set()
    return set(session.scalars(select(Contact.id).where(Contact.workspace_id == workspace_id,
                                                        Contact.merged_into.in_(list(ids)))))


def last_action(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> str | None:
    """What the contact's history last says happened to it (None: it has no history)."""
    return session.scalar(select(Event.action).where(Event.workspace_id == workspace_id, Event.subject_type == "contact",
                                                     Event.subject_id == contact_id)
                          .order_by(Event.id.desc()).limit(1))


def erased_under(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> uuid.UUID | None:
    """The id an erasure that took `contact_id` is recorded under (its `erased` event names every
    id of the person), None when none did."""
    events = session.execute(select(Event.subject_id, Event.changes).where(
        Event.workspace_id == workspace_id, Event.subject_type == "contact", Event.action == "erased",
        cast(Event.changes, String).contains(str(contact_id))))
    return next((subject for subject, changes in events if str(contact_id) in (changes or {}).get("ids", [])), None)


def history_says_anything(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> bool:
    """Whether any event of the contact still holds what changed or what it was (an erasure
    empties them all)."""
    rows = session.execute(select(Event.changes, Event.before).where(
        Event.workspace_id == workspace_id, Event.subject_type == "contact", Event.subject_id == contact_id))
    return any(changes or before for changes, before in rows)


def points_of(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> list[tuple[str, str]]:
    """(kind, normalized) of the contacts' emails and phones."""
    return list(session.execute(select(ContactPoint.kind, ContactPoint.normalized).where(
        ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id.in_(list(ids)),
        ContactPoint.kind.in_(("email", "phone")))).tuples())


def rejected_rows(session: Session, workspace_id: uuid.UUID) -> Iterator[ImportRow]:
    """Every import row kept as read without a contact."""
    yield from session.scalars(select(ImportRow).where(
        ImportRow.workspace_id == workspace_id, ImportRow.contact_id.is_(None), ImportRow.raw.is_not(None))
        .execution_options(yield_per=1000))


def replace_import_rows(session: Session, workspace_id: uuid.UUID,
                        rows: Collection[tuple[uuid.UUID, int, list]]) -> None:
    """Each (job, row index) row as read becomes the one given; its note goes."""
    for job_id, row_index, raw in rows:
        session.execute(update(ImportRow).where(ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id,
                                                ImportRow.row_index == row_index)
                        .values(note=None, raw=raw).execution_options(synchronize_session=False))


def delete_contacts(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> None:
    """The rows, live or merged away; what hangs off them goes by the foreign keys' cascades."""
    session.execute(delete(Contact).where(Contact.workspace_id == workspace_id, Contact.id.in_(list(ids))))


def blank_events(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> int:
    """Empties what the contacts' history says of them (the events stay, in their places in
    the change feed: an action, a door, a time)."""
    result = session.execute(
        update(Event).where(Event.workspace_id == workspace_id, Event.subject_type == "contact",
                            Event.subject_id.in_(list(ids)))
        .values(changes={}, before=None).execution_options(synchronize_session=False))
    return result.rowcount


def forget_reviews(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> None:
    session.execute(delete(DuplicateReview).where(
        DuplicateReview.workspace_id == workspace_id,
        or_(DuplicateReview.contact_id.in_(list(ids)), DuplicateReview.candidate_id.in_(list(ids)))))


def blank_import_notes(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> None:
    """The outcomes of rows that made or merged into the contacts (their notes name the email
    or phone they matched by), and the notes naming one of them (another row's "possible
    duplicate: matches contact <id> by email …"). (No index serves this: it reads the
    workspace's outcomes through, which erasing, a rare act, can afford, where every import
    would pay for one.)"""
    session.execute(update(ImportRow).where(ImportRow.workspace_id == workspace_id, ImportRow.contact_id.in_(list(ids)))
                    .values(note=None, raw=None).execution_options(synchronize_session=False))
    for some in _chunks(ids):
        session.execute(update(ImportRow).where(
            ImportRow.workspace_id == workspace_id, or_(*(ImportRow.note.contains(str(i)) for i in some)))
            .values(note=None).execution_options(synchronize_session=False))


def merges_naming(session: Session, workspace_id: uuid.UUID,
                  ids: Collection[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID, Any]]:
    """(event id, subject, changes) of the `merged` events whose text names one of the ids (the
    caller reads which field names it: a JSON array has no portable query)."""
    found = []
    for some in _chunks([str(i) for i in ids]):
        text = cast(Event.changes, String)
        found += [tuple(row) for row in session.execute(select(Event.id, Event.subject_id, Event.changes).where(
            Event.workspace_id == workspace_id, Event.subject_type == "contact", Event.action == "merged",
            or_(*(text.contains(i) for i in some))))]
    return list({row[0]: row for row in found}.values())


def histories(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]) -> list[tuple[uuid.UUID, Any, Any]]:
    """(event id, changes, before) of every event of the contacts."""
    return [tuple(row) for row in session.execute(select(Event.id, Event.changes, Event.before).where(
        Event.workspace_id == workspace_id, Event.subject_type == "contact", Event.subject_id.in_(list(ids))))]


def blank_these_events(session: Session, workspace_id: uuid.UUID, event_ids: Collection[uuid.UUID]) -> None:
    if event_ids:
        session.execute(update(Event).where(Event.workspace_id == workspace_id, Event.id.in_(list(event_ids)))
                        .values(changes={}, before=None).execution_options(synchronize_session=False))


def blank_answers(session: Session, workspace_id: uuid.UUID, ids: Collection[uuid.UUID], status: int,
                  values: Collection[str] = ()) -> None:
    """Idempotent answers kept for replay that show any of the contacts, or any of `values`
    (lower-cased), lose their body and take `status` (the key stays used, so a retry cannot
    make the person again)."""
    body = cast(IdempotencyRecord.body, String)
    terms = [body.contains(str(i)) for i in ids] + [func.lower(body).contains(v) for v in values]
    for some in _chunks(terms):
        session.execute(update(IdempotencyRecord).where(IdempotencyRecord.workspace_id == workspace_id, or_(*some))
                        .values(status_code=status, body=None).execution_options(synchronize_session=False))


def _chunks(ids: Collection, size: int = 200) -> Iterator[list]:
    """The ids a few hundred at a time: an OR of thousands of terms passes SQLite's expression
    depth (1,000)."""
    ordered = list(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]
