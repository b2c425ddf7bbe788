"""Erasing a person (a right-to-erasure request): unlike a delete, which keeps the contact's
history, erasing leaves nothing of what the workspace knew of them.

The person is the contact an id names now (a merged-away id: the survivor it merged into) with
every record merged into it, or what remains of a contact already deleted. Their rows go (the
merged-away ones too, which a delete keeps for unmerge); their history events stay in place
(the change feed's numbers do not move) but say only what happened, when and through which
door; the review queue's pairs and import outcomes' notes are dropped, and an idempotent
answer that showed them answers 410 Gone instead (a retry does not make the person again). One
event, `erased`, goes out on the change feed, so the systems that follow it can erase their
copies too.
"""

import uuid

from sqlalchemy.orm import Session

from contacthub.core import events, idempotency
from contacthub.core.actor import Actor
from contacthub.core.errors import NotFound
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import erasure as repo

MAX_RECORDS = 10_000  # records of one person gathered (merges of merges); past it the data is odd


def erase(session: Session, actor: Actor, contact_id: uuid.UUID) -> uuid.UUID:
    """Erases the person `contact_id` names; answers the id the erasure is recorded under (the
    survivor). NotFound when the workspace has no trace of that id."""
    ws = actor.workspace_id
    chain, subject = _chain(session, ws, contact_id)
    if not chain:
        last = repo.last_action(session, ws, contact_id)
        if last is None:
            raise NotFound("contact", contact_id)
        if last == "erased" or not repo.history_says_anything(session, ws, contact_id):
            return contact_id  # erased already (itself, or as a record of a person erased): nothing more to do
        chain = {contact_id}  # deleted already: only its history remains
    records, frontier = set(chain), set(chain)
    while frontier and len(records) < MAX_RECORDS:
        frontier = repo.merged_from(session, ws, frontier) - records
        records |= frontier
    repo.delete_contacts(session, ws, records)
    repo.blank_events(session, ws, records)
    repo.forget_reviews(session, ws, records)
    repo.blank_import_notes(session, ws, records)
    repo.blank_answers(session, ws, records, idempotency.ERASED)
    # every id the person was known by, so a follower of the feed can erase what it keeps under each
    events.record(session, actor, "contact", subject, "erased", changes={"ids": sorted(str(i) for i in records)})
    return subject


def _chain(session: Session, ws: uuid.UUID, contact_id: uuid.UUID) -> tuple[set[uuid.UUID], uuid.UUID]:
    """The records from `contact_id` up to the contact it is now (or the survivor that was
    deleted), and that contact's id; empty when no row has the id."""
    chain: set[uuid.UUID] = set()
    top = contact_id
    row = contact_repo.get(session, ws, contact_id)
    while row is not None and row.id not in chain:
        chain.add(row.id)
        top, into = row.id, row.merged_into
        row = contact_repo.get(session, ws, into) if into is not None else None
        if into is not None and row is None:  # the survivor was deleted: its history is theirs too
            chain.add(into)
            top = into
    return chain, top
