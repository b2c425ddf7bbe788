"""Lists of contacts (native lists, Bird lists, NGP VAN email lists) and their members."""

import uuid

from pydantic import Field
from sqlalchemy.orm import Session

from contacthub.core import contacts, events
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound
from contacthub.core.inputs import Strict
from contacthub.core.pagination import decode_cursor, page_of
from contacthub.core.views import Page
from contacthub.db.models import ContactList, ListMember
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import simple as repo
from contacthub.repositories.contacts import ContactFilter

MAX_MEMBERS_PER_CALL = 1000


class ListInput(Strict):
    # of the caller's choosing, else made: a restore makes a backup's lists under their ids
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=2000)


class ListPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=2000)


def create(session: Session, actor: Actor, data: ListInput) -> ContactList:
    row = ContactList(workspace_id=actor.workspace_id, id=data.id or new_id(), name=data.name,
                      description=data.description)
    if not repo.insert_new(session, row):
        raise Conflict(f"a list with id {data.id} exists already", field="id", existing_id=data.id)
    events.record(session, actor, "list", row.id, "created", changes=data.model_dump(exclude={"id"}))
    return row


def get(session: Session, actor: Actor, list_id: uuid.UUID) -> ContactList:
    row = repo.get_list(session, actor.workspace_id, list_id)
    if row is None:
        raise NotFound("list", list_id)
    return row


def page(session: Session, actor: Actor, cursor: str | None, limit: int) -> Page:
    rows = repo.page_lists(session, actor.workspace_id, decode_cursor(cursor), limit + 1)
    return page_of(rows, limit)


def update(session: Session, actor: Actor, list_id: uuid.UUID, patch: ListPatch) -> ContactList:
    row = get(session, actor, list_id)
    if "name" in patch.model_fields_set and patch.name is None:
        raise InvalidInput(FieldError("name", "cannot be null"))
    changes = {}
    for name in patch.model_fields_set:
        if getattr(row, name) != getattr(patch, name):
            changes[name] = [getattr(row, name), getattr(patch, name)]
            setattr(row, name, getattr(patch, name))
    if changes:
        row.updated_at = utcnow()
        events.record(session, actor, "list", row.id, "updated", changes=changes)
    return row


def delete(session: Session, actor: Actor, list_id: uuid.UUID) -> None:
    """The list; each member's leaving it is recorded (`list_removed`), as a removal one by one
    is, so a follower of the feed that keeps memberships keeps them right."""
    row = get(session, actor, list_id)
    members = repo.member_ids(session, actor.workspace_id, row.id)
    for start in range(0, len(members), 1000):  # one statement a thousand
        events.record_many(session, actor, "contact", members[start:start + 1000], "list_removed",
                           {"list_id": str(row.id)})
    events.record(session, actor, "list", row.id, "deleted", before={"name": row.name})
    session.delete(row)


def add_members(session: Session, actor: Actor, list_id: uuid.UUID, contact_ids: list[uuid.UUID]) -> int:
    """Adds the contacts not yet in the list; returns how many were processed. Unknown ids
    fail the whole call, so nothing is half-added."""
    get(session, actor, list_id)
    resolved = _resolve_all(session, actor, contact_ids)
    for contact_id in dict.fromkeys(resolved):
        if repo.list_member(session, actor.workspace_id, list_id, contact_id) is None:
            session.add(ListMember(workspace_id=actor.workspace_id, list_id=list_id, contact_id=contact_id))
            events.record(session, actor, "contact", contact_id, "list_added", changes={"list_id": str(list_id)})
    return len(contact_ids)


def remove_members(session: Session, actor: Actor, list_id: uuid.UUID, contact_ids: list[uuid.UUID]) -> int:
    get(session, actor, list_id)
    resolved = _resolve_all(session, actor, contact_ids)
    for contact_id in dict.fromkeys(resolved):
        member = repo.list_member(session, actor.workspace_id, list_id, contact_id)
        if member is not None:
            session.delete(member)
            events.record(session, actor, "contact", contact_id, "list_removed", changes={"list_id": str(list_id)})
    return len(contact_ids)


def members(session: Session, actor: Actor, list_id: uuid.UUID, cursor: str | None, limit: int) -> Page:
    get(session, actor, list_id)
    return contacts.list_page(session, actor, ContactFilter(list_id=list_id), cursor, limit)


def member_count(session: Session, actor: Actor, list_id: uuid.UUID) -> int:
    return repo.member_count(session, actor.workspace_id, list_id)


def member_counts(session: Session, actor: Actor, list_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many members each of these lists has (one query for a page of lists)."""
    return repo.member_counts(session, actor.workspace_id, list_ids)


def _resolve_all(session: Session, actor: Actor, contact_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(contact_ids) > MAX_MEMBERS_PER_CALL:
        raise InvalidInput(FieldError("contact_ids", f"at most {MAX_MEMBERS_PER_CALL} per call"))
    resolved, errors = [], []
    for i, contact_id in enumerate(contact_ids):
        try:
            resolved.append(contacts.resolve_id(session, actor, contact_id))
        except NotFound:
            errors.append(FieldError(f"contact_ids[{i}]", f"no contact {contact_id}"))
    if errors:
        raise InvalidInput(errors)
    return resolved


def of_contact(session: Session, actor: Actor, contact_id: uuid.UUID, cursor: str | None, limit: int) -> Page:
    """The lists a contact is a member of, in list id order."""
    contact_id = contacts.resolve_id(session, actor, contact_id)
    rows = repo.page_lists_of_contact(session, actor.workspace_id, contact_id, decode_cursor(cursor), limit + 1)
    return page_of(rows, limit)
