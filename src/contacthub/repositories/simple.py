"""Queries for the small tables: workspaces, keys, attribute definitions, lists, events,
idempotency records. Each function is one query; rules live in the services."""

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacthub.db.models import (
    Account,
    ApiKey,
    AttributeDefinition,
    ContactList,
    Event,
    EventSequence,
    IdempotencyRecord,
    ListMember,
    Workspace,
)
from contacthub.repositories import bulk


def first_workspace(session: Session) -> Workspace | None:
    return session.scalars(select(Workspace).order_by(Workspace.id).limit(1)).first()


def workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.id)))


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def keys_of(session: Session, workspace_id: uuid.UUID) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id)))


def key(session: Session, workspace_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, (workspace_id, key_id))


def keys_by_prefix_or_id(session: Session, ident: str) -> list[ApiKey]:
    query = select(ApiKey)
    try:
        return list(session.scalars(query.where(ApiKey.id == uuid.UUID(ident))))
    except ValueError:
        return list(session.scalars(query.where(ApiKey.prefix == ident)))


_DEFINITIONS = "attribute_definitions"  # session.info: (the transaction, workspace, its definitions)


def definitions(session: Session, workspace_id: uuid.UUID) -> dict[str, AttributeDefinition]:
    """key -> definition, read once per transaction: every create carrying attributes asks, and
    a batch of them (an import, a restore) would ask for each contact. `forget_definitions`
    after a change to one."""
    held = session.info.get(_DEFINITIONS)
    transaction = session.get_transaction()
    if held is not None and held[0] is transaction and held[1] == workspace_id:
        return held[2]
    rows = session.scalars(
        select(AttributeDefinition).where(AttributeDefinition.workspace_id == workspace_id).order_by(AttributeDefinition.key)
    )
    found = {d.key: d for d in rows}
    if transaction is not None:
        session.info[_DEFINITIONS] = (transaction, workspace_id, found)
    return found


def forget_definitions(session: Session) -> None:
    session.info.pop(_DEFINITIONS, None)


def definition(session: Session, workspace_id: uuid.UUID, key: str) -> AttributeDefinition | None:
    return session.scalars(
        select(AttributeDefinition).where(AttributeDefinition.workspace_id == workspace_id, AttributeDefinition.key == key)
    ).first()


def get_list(session: Session, workspace_id: uuid.UUID, list_id: uuid.UUID) -> ContactList | None:
    return session.get(ContactList, (workspace_id, list_id))


def insert_new(session: Session, row) -> bool:
    """Adds the row; False when its key is taken already (the transaction must then end)."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        return False
    return True


def existing_list_ids(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(session.scalars(
        select(ContactList.id).where(ContactList.workspace_id == workspace_id, ContactList.id.in_(ids))
    ))


def page_lists(session: Session, workspace_id: uuid.UUID, after: uuid.UUID | None, limit: int) -> list[ContactList]:
    query = select(ContactList).where(ContactList.workspace_id == workspace_id)
    if after:
        query = query.where(ContactList.id > after)
    return list(session.scalars(query.order_by(ContactList.id).limit(limit)))


def list_member(session: Session, workspace_id, list_id, contact_id) -> ListMember | None:
    return session.get(ListMember, (workspace_id, list_id, contact_id))


def member_ids(session: Session, workspace_id: uuid.UUID, list_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(ListMember.contact_id).where(
        ListMember.workspace_id == workspace_id, ListMember.list_id == list_id).order_by(ListMember.contact_id)))


def member_count(session: Session, workspace_id: uuid.UUID, list_id: uuid.UUID) -> int:
    return session.scalar(
        select(func.count()).select_from(ListMember).where(
            ListMember.workspace_id == workspace_id, ListMember.list_id == list_id)
    )


def member_counts(session: Session, workspace_id: uuid.UUID, list_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not list_ids:
        return {}
    return dict(session.execute(
        select(ListMember.list_id, func.count()).where(ListMember.workspace_id == workspace_id,
                                                       ListMember.list_id.in_(list_ids))
        .group_by(ListMember.list_id)).all())


def insert_events(session: Session, events: list[dict]) -> None:
    """Written at once, in one statement (every write records one; the unit of work cost more).
    Events have no foreign key, so they need not wait for the changes they describe."""
    bulk.insert_dicts(session, Event.__table__, events)


def page_events(
    session: Session, workspace_id: uuid.UUID, subject: tuple[str, uuid.UUID] | None, after: uuid.UUID | None,
    limit: int,
) -> list[Event]:
    """A page of the workspace's events, or of one subject's (its type and id)."""
    query = select(Event).where(Event.workspace_id == workspace_id)
    if subject is not None:
        query = query.where(Event.subject_type == subject[0], Event.subject_id == subject[1])
    if after:
        query = query.where(Event.id > after)
    return list(session.scalars(query.order_by(Event.id).limit(limit)))


def held_last_seq(session: Session, workspace_id: uuid.UUID) -> int:
    """The workspace's last event number, its row locked until the transaction ends (made at 0
    the first time)."""
    bulk.insert_dicts(session, EventSequence.__table__, [{"workspace_id": workspace_id, "last_seq": 0}],
                      ignore_conflicts=True)
    return session.scalar(select(EventSequence.last_seq).where(EventSequence.workspace_id == workspace_id)
                          .with_for_update())


def last_seq(session: Session, workspace_id: uuid.UUID) -> int:
    """The workspace's last event number, as committed (0 before any)."""
    return session.scalar(select(EventSequence.last_seq).where(EventSequence.workspace_id == workspace_id)) or 0


def has_unnumbered_events(session: Session, workspace_id: uuid.UUID) -> bool:
    """Whether a committed event of the workspace waits for its number."""
    return session.scalar(select(
        select(Event.id).where(Event.workspace_id == workspace_id, Event.seq.is_(None)).exists()))


def number_events(session: Session, workspace_id: uuid.UUID, last: int, most: int) -> int:
    """Numbers up to `most` events that have no number, oldest id first, from `last` + 1 on, in
    one statement, and moves the workspace's last number past them; how many it numbered."""
    oldest = (select(Event.id).where(Event.workspace_id == workspace_id, Event.seq.is_(None))
              .order_by(Event.id).limit(most).subquery())
    numbers = select(oldest.c.id, (last + func.row_number().over(order_by=oldest.c.id)).label("number")).subquery()
    numbered = session.execute(
        update(Event.__table__).where(Event.workspace_id == workspace_id, Event.id == numbers.c.id)
        .values(seq=numbers.c.number)).rowcount
    if numbered:
        session.execute(update(EventSequence).where(EventSequence.workspace_id == workspace_id)
                        .values(last_seq=last + numbered))
    return numbered


def events_after_seq(session: Session, workspace_id: uuid.UUID, after: int, limit: int) -> list[Event]:
    return list(session.scalars(
        select(Event).where(Event.workspace_id == workspace_id, Event.seq > after).order_by(Event.seq).limit(limit)))


def idempotency_record(session: Session, workspace_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, (workspace_id, key))


def forget_idempotency_before(session: Session, workspace_id: uuid.UUID, cutoff: datetime) -> None:
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.workspace_id == workspace_id, IdempotencyRecord.created_at < cutoff)
    )


def existing_account_ids(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(session.scalars(select(Account.id).where(Account.workspace_id == workspace_id, Account.id.in_(ids))))


def page_lists_of_contact(
    session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[ContactList]:
    query = select(ContactList).join(
        ListMember, (ListMember.workspace_id == ContactList.workspace_id) & (ListMember.list_id == ContactList.id)
    ).where(ContactList.workspace_id == workspace_id, ListMember.contact_id == contact_id)
    if after:
        query = query.where(ContactList.id > after)
    return list(session.scalars(query.order_by(ContactList.id).limit(limit)))
