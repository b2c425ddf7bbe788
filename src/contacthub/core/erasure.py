"""Erasing a person (a right-to-erasure request): unlike a delete, which keeps the contact's
history, erasing leaves nothing of what the workspace knew of them.

The person is the contact an id names now (a merged-away id: the survivor it merged into) with
every record merged into it, or what remains of a contact already deleted. Their rows go (the
merged-away ones too, which a delete keeps for unmerge); their history events stay in place
(the change feed's numbers do not move) but say only what happened, when and through which
door, as do the `merged` events of the contacts that took one of their records in (directly or
inside another record, at any depth), and those of their events that recorded
their emails or phones meanwhile; the review queue's pairs and import outcomes' notes are dropped, as are the rows an import
refused (kept as read, for their rejected-rows file) that hold one of their emails or phones; an idempotent
answer that showed them answers 410 Gone instead (a retry does not make the person again). One
event, `erased`, goes out on the change feed, so the systems that follow it can erase their
copies too.
"""

import json
import re
import uuid

import phonenumbers
from sqlalchemy.orm import Session

from contacthub.core import events, idempotency
from contacthub.core.actor import Actor
from contacthub.core.errors import NotFound
from contacthub.core.import_jobs import cells_as_read
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
            # erased already (itself, or as a record of a person erased): nothing more to do, and
            # the same answer as the first time
            return repo.erased_under(session, ws, contact_id) or contact_id
        chain = {contact_id}  # deleted already: only its history remains
    records, frontier = set(chain), set(chain)
    while frontier and len(records) < MAX_RECORDS:
        frontier = repo.merged_from(session, ws, frontier) - records
        records |= frontier
    emails, phones, numbers = _reachable_by(session, ws, records)
    said = _texts_said(session, ws, records)
    takings = _merges_taking_in(session, ws, records)
    absorbers = set(takings.values()) - records
    repo.delete_contacts(session, ws, records)
    _forget_refused_rows(session, ws, emails, phones)
    _forget_in_histories(session, ws, absorbers, emails, phones, said)
    repo.blank_events(session, ws, records)
    repo.blank_these_events(session, ws, takings.keys())
    repo.forget_reviews(session, ws, records)
    repo.blank_import_notes(session, ws, records)
    # an answer naming one of the records, or showing one of their emails or phones (a merge's
    # answer shows the survivor holding them, under the survivor's id)
    repo.blank_answers(session, ws, records, idempotency.ERASED, emails | numbers)
    # every id the person was known by, so a follower of the feed can erase what it keeps under each
    events.record(session, actor, "contact", subject, "erased", changes={"ids": sorted(str(i) for i in records)})
    return subject


def _reachable_by(session: Session, ws: uuid.UUID, records: set[uuid.UUID]) -> tuple[set[str], set[str], set[str]]:
    """The person's emails (lower-cased), phones as their digits, and phones in E.164 (as the
    API shows them): stored, or ever said in their history (a record deleted before, as its
    deletion kept it; a phone they had once)."""
    points = repo.points_of(session, ws, records)
    for _, changes, before in repo.histories(session, ws, records):
        points += _points_said([changes, before])
    emails = {value.lower() for kind, value in points if kind == "email" and value}
    phones = {_digits_of(value) for kind, value in points if kind == "phone"} - {""}
    numbers = {value for kind, value in points if kind == "phone" and value and value.startswith("+")}
    return emails, phones, numbers


# What else of the person another contact's history may hold, having taken one of their records
# in and given it back: their notes and addresses (names are left out: two people share them).
_TEXTS_SAID = ("notes", "line1", "line2", "postal_code")
MIN_TEXT_SAID = 6  # shorter texts ("Apt 4", "12") say too little of whom they are


def _texts_said(session: Session, ws: uuid.UUID, records: set[uuid.UUID]) -> set[str]:
    """The person's notes and address lines and postcodes ever said in their history (lower-cased)."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in _TEXTS_SAID:  # a value, or a change's [before, after]
                    found.update(text.strip().lower() for text in (inner if isinstance(inner, list) else [inner])
                                 if isinstance(text, str) and len(text.strip()) >= MIN_TEXT_SAID)
                walk(inner)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for _, changes, before in repo.histories(session, ws, records):
        walk([changes, before])
    return found


_POINT_LISTS = {"emails": "email", "phones": "phone"}


def _points_said(value, kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, value) of every email and phone an event's changes or before-state holds: points
    written out whole (with their `kind` and `normalized`) and the plain values listed under
    `emails` / `phones`."""
    if isinstance(value, dict):
        found = []
        point_kind = value.get("kind") if value.get("kind") in _POINT_LISTS.values() else kind
        if point_kind and isinstance(value.get("normalized"), str):
            found.append((point_kind, value["normalized"]))
        for key, inner in value.items():
            found += _points_said(inner, _POINT_LISTS.get(key))
        return found
    if isinstance(value, list):
        return [point for item in value for point in _points_said(item, kind)]
    return [(kind, value)] if kind and isinstance(value, str) else []


def _digits_of(phone: str) -> str:
    """The digits a file would write the phone with: the national number of an E.164 phone (a
    file may write it with or without its country code), else every digit; too few is none."""
    try:
        digits = str(phonenumbers.parse(phone).national_number) if phone.startswith("+") else ""
    except phonenumbers.NumberParseException:
        digits = ""
    digits = digits or re.sub(r"\D", "", phone)
    return digits if len(digits) >= 6 else ""


def _forget_refused_rows(session: Session, ws: uuid.UUID, emails: set[str], phones: set[str]) -> None:
    """A row an import refused is kept as read, linked to no contact: the rows holding one of
    the person's emails or phones (however the file wrote it) lose what was read: its cells
    are emptied (the columns stay, so a rejected-rows file still lines up)."""
    if not emails and not phones:
        return
    holding = []
    for row in repo.rejected_rows(session, ws):
        read = cells_as_read(row)
        cells = [str(cell) for _, cell in read if cell]
        text = " ".join(cells).lower()
        digits = [re.sub(r"\D", "", c) for c in cells]
        if any(e in text for e in emails) or any(p in d for p in phones for d in digits):
            holding.append((row.job_id, row.row_index, [[header, ""] for header, _ in read]))
    repo.replace_import_rows(session, ws, holding)


def _merges_taking_in(session: Session, ws: uuid.UUID, records: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The `merged` events (id: the survivor) that took one of the records in: by name (`from`),
    or held by the contact merged (`repointed`: a merge repoints every record merged into its
    loser, so a chain of merges of any depth names the record in each survivor's event). Each
    holds the person's values wherever the merge wrote them (the loser's before-state, the
    points it dropped or enriched, the survivor's before-state if it had one of theirs), and a
    name too, which no search by value finds: the whole event says only what happened."""
    names = {str(i) for i in records}
    return {event_id: subject for event_id, subject, changes in repo.merges_naming(session, ws, records)
            if (changes or {}).get("from") in names or names.intersection((changes or {}).get("repointed") or [])}


def _forget_in_histories(session: Session, ws: uuid.UUID, absorbers: set[uuid.UUID],
                         emails: set[str], phones: set[str], texts: set[str]) -> None:
    """A contact that took one of the person's records in (and gave it back) may have recorded
    their emails, phones, notes or addresses in its own history meanwhile (a PATCH dropping the
    phone it had taken): those events of it say only what happened, as the person's own do."""
    if not absorbers or (not emails and not phones and not texts):
        return
    holding = []
    for event_id, changes, before in repo.histories(session, ws, absorbers):
        text = json.dumps([changes, before], default=str, ensure_ascii=False).lower()
        if any(e in text for e in emails) or any(p in text for p in phones) or any(t in text for t in texts):
            holding.append(event_id)
    repo.blank_these_events(session, ws, holding)


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
