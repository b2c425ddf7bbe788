"""Queries over contacts and everything hanging off them. No rules here: the service decides."""

import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from contacthub.core.views import AddressView, ContactView, PointView
from contacthub.db.case_fold import fold_case, folded_case
from contacthub.db.models import (
    AccountMember,
    Address,
    AttributeValue,
    Contact,
    ContactPoint,
    Event,
    ListMember,
    Relation,
)
from contacthub.repositories import bulk, contact_reads, raw

_CONTACT_COLUMNS = contact_reads.CONTACT_COLUMNS
ORG_MEMBER = "org_member"  # the relation from an organization to a member (core/organizations.py)


@dataclass
class ContactFilter:
    kind: str | None = None
    name: str | None = None
    email: str | None = None  # normalized
    phone: str | None = None  # normalized
    identifier: tuple[str, str] | None = None  # (key, value)
    list_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None  # the group's members
    organization_id: uuid.UUID | None = None  # the organization's members
    attributes: dict[str, str] = field(default_factory=dict)
    q: str | None = None
    first_name: str | None = None  # whole name, any case
    last_name: str | None = None
    organization_name: str | None = None  # whole name, any case (or the display name, where it is the name)
    # texts the contact's name_text holds whenever the whole-name filters above match it, folded
    # as it is: a first cut one LIKE a row makes, before each remaining row's name is folded
    names_within: tuple[str, ...] = ()


def get(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
    return session.get(Contact, (workspace_id, contact_id))


def add(session: Session, row) -> None:
    session.add(row)


def flush(session: Session) -> None:
    session.flush()


_C, _P = Contact.__table__, ContactPoint.__table__
add_point_view = contact_reads.add_point_view


def point_view(p: dict) -> PointView:
    """From a point's columns."""
    return PointView(p["id"], p["kind"], p["key"], p["value"], p["normalized"], p["type"], p["is_primary"],
                     p["properties"] or {}, p["created_at"])


def address_view(a: dict) -> AddressView:
    """From an address's columns."""
    return AddressView(a["id"], a["type"], a["line1"], a["line2"], a["city"], a["region"], a["postal_code"],
                       a["country"], a["is_primary"], a["properties"] or {})


def kinds_of(session: Session, workspace_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The kind of each of the contacts."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Contact.id, Contact.kind).where(
        Contact.workspace_id == workspace_id, Contact.id.in_(wanted))).tuples().all())


def merged_into_of(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict:
    """id -> the contact it merged into (None for a live one), for those of `ids` that any
    contact of the workspace, live or merged away, has."""
    if not ids:
        return {}
    query = select(Contact.id, Contact.merged_into).where(Contact.workspace_id == workspace_id, Contact.id.in_(ids))
    return dict(session.execute(query).tuples().all())


def contact_view(row: dict) -> ContactView:
    """From a contact's columns."""
    return ContactView(**{c: row[c] for c in _CONTACT_COLUMNS})


def insert_contact(session: Session, row: dict, points: list[dict], addresses: Sequence[dict] = (),
                   list_members: Sequence[dict] = (), account_members: Sequence[dict] = (),
                   attribute_values: Sequence[dict] = ()) -> None:
    """A new contact and what hangs off it, one statement per table, in the session's
    transaction (the unit of work would cost several times what the database spends)."""
    session.flush()  # rows the unit of work still holds (a new list, say) go first
    bulk.insert_dicts(session, _C, [row])
    for table, rows in ((_P, points), (Address.__table__, addresses), (ListMember.__table__, list_members),
                        (AccountMember.__table__, account_members), (AttributeValue.__table__, attribute_values)):
        if rows:
            bulk.insert_dicts(session, table, rows)


def update_columns(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, values: dict) -> None:
    """Sets columns of one contact with one UPDATE, around the unit of work; a copy of the row
    the session holds is expired, so that it is read again rather than believed."""
    session.execute(update(_C).where(_C.c.workspace_id == workspace_id, _C.c.id == contact_id).values(**values))
    held = session.identity_map.get(identity_key(Contact, (workspace_id, contact_id)))
    if held is not None:
        session.expire(held)


def touch_many(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID], moment) -> None:
    """Sets `updated_at` of many contacts in one UPDATE."""
    session.execute(update(_C).where(_C.c.workspace_id == workspace_id, _C.c.id.in_(list(ids)))
                    .values(updated_at=moment))


def leave_accounts(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID],
                   account_ids: Collection[uuid.UUID]) -> None:
    session.execute(delete(AccountMember).where(
        AccountMember.workspace_id == workspace_id, AccountMember.contact_id.in_(list(ids)),
        AccountMember.account_id.in_(list(account_ids))))


def drop_identifier(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID], key: str,
                    normalized: str) -> None:
    session.execute(delete(ContactPoint).where(
        ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id.in_(list(ids)),
        ContactPoint.kind == "identifier", ContactPoint.key == key, ContactPoint.normalized == normalized))


def insert_points(session: Session, points: list[dict]) -> None:
    session.flush()
    bulk.insert_dicts(session, _P, points)


def load_cards(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    """The columns a contact is named by, of those of `ids` there are (see contact_reads)."""
    return contact_reads.load_cards(session, workspace_id, list(ids)) if ids else {}


def load_views(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[ContactView]:
    """Whole contacts in the order asked, in one statement (see contact_reads)."""
    if not ids:
        return []
    views = contact_reads.load_views(session, workspace_id, list(ids))
    return [views[i] for i in ids if i in views]


_TAKEN = (
    "SELECT p.kind, p.key, p.normalized, p.contact_id FROM contact_points p "
    "JOIN contacts c ON c.workspace_id = p.workspace_id AND c.id = p.contact_id "
    "WHERE p.workspace_id = ? AND p.normalized IN ({values}) AND c.merged_into IS NULL"
    # No ORDER BY: with one, SQLite prefers the index that sorts (a scan of the workspace)
    # over the one that finds the values.
)


def _taken(session: Session, workspace_id: uuid.UUID, values: list[str]) -> list[tuple]:
    """(kind, key, normalized, contact id) of the live contacts' points with these values (every write runs it)."""
    return [(k, key, n, raw.as_uuid(c)) for k, key, n, c in raw.select_in(session, _TAKEN, [workspace_id], values)]


def owners_of_points(
    session: Session, workspace_id: uuid.UUID, wanted: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[uuid.UUID]]:
    """(kind, key, normalized) -> ids of live contacts carrying that point, in one query."""
    wanted = set(wanted)
    if not wanted:
        return {}
    found: dict[tuple[str, str, str], list[uuid.UUID]] = defaultdict(list)
    for kind, key, normalized, contact_id in _taken(session, workspace_id, sorted({w[2] for w in wanted})):
        if (kind, key, normalized) in wanted:
            found[(kind, key, normalized)].append(contact_id)
    for ids in found.values():
        ids.sort()
    return found


def contacts_with_points(
    session: Session, workspace_id: uuid.UUID, kind: str, normalized: Iterable[str], key: str | None = None
) -> dict[str, list[uuid.UUID]]:
    """normalized value -> ids of live contacts carrying a point of that kind (and key, if given)."""
    values = sorted(set(normalized))
    if not values:
        return {}
    found: dict[str, list[uuid.UUID]] = defaultdict(list)
    for point_kind, point_key, value, contact_id in _taken(session, workspace_id, values):
        if point_kind == kind and (key is None or point_key == key):
            found[value].append(contact_id)
    for ids in found.values():
        ids.sort()
    return found


def delete_points(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, kind: str) -> None:
    session.execute(
        delete(ContactPoint).where(
            ContactPoint.workspace_id == workspace_id,
            ContactPoint.contact_id == contact_id,
            ContactPoint.kind == kind,
        )
    )


def addresses_of(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> dict[uuid.UUID, Address]:
    rows = session.scalars(
        select(Address).where(Address.workspace_id == workspace_id, Address.contact_id == contact_id)
    )
    return {a.id: a for a in rows}


def existing_address_ids(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` an address of the workspace holds."""
    if not ids:
        return set()
    return set(session.scalars(select(Address.id).where(Address.workspace_id == workspace_id, Address.id.in_(ids))))


def delete_row(session: Session, row) -> None:
    session.delete(row)


def replace_list_memberships(session: Session, workspace_id, contact_id, list_ids: Sequence[uuid.UUID]) -> None:
    session.execute(
        delete(ListMember).where(ListMember.workspace_id == workspace_id, ListMember.contact_id == contact_id)
    )
    session.add_all(ListMember(workspace_id=workspace_id, list_id=i, contact_id=contact_id) for i in list_ids)


def replace_account_memberships(session: Session, workspace_id, contact_id, links: Sequence[tuple]) -> None:
    session.execute(
        delete(AccountMember).where(AccountMember.workspace_id == workspace_id, AccountMember.contact_id == contact_id)
    )
    session.add_all(
        AccountMember(workspace_id=workspace_id, account_id=a, contact_id=contact_id, position=p) for a, p in links
    )


def replace_attribute_index(session: Session, workspace_id, contact_id, pairs: Iterable[tuple[str, str]]) -> None:
    session.execute(
        delete(AttributeValue).where(
            AttributeValue.workspace_id == workspace_id, AttributeValue.contact_id == contact_id
        )
    )
    session.add_all(
        AttributeValue(workspace_id=workspace_id, contact_id=contact_id, key=k, value=v) for k, v in set(pairs)
    )


def page_ids(
    session: Session, workspace_id: uuid.UUID, flt: ContactFilter, after: uuid.UUID | None, limit: int,
    descending: bool = False,
) -> list[uuid.UUID]:
    """Ids of live contacts matching the filter, in id (= creation) order, after the cursor."""
    query = _matching(select(Contact.id), workspace_id, flt)
    if after is not None:
        query = query.where(Contact.id < after if descending else Contact.id > after)
    query = query.order_by(Contact.id.desc() if descending else Contact.id).limit(limit)
    return list(session.scalars(query))


def count(session: Session, workspace_id: uuid.UUID, flt: ContactFilter) -> int:
    """How many live contacts match the filter."""
    if flt.email or flt.phone or flt.identifier or flt.list_id or flt.account_id or flt.group_id \
            or flt.organization_id or flt.attributes:
        # counted through the ids a page would read: SQLite's planner (without statistics) ran
        # a bare count along the index of live contacts, every one of them, where the members
        # of a list or the holders of an email are a few index lookups (35 ms against 0.1)
        ids = _matching(select(Contact.id), workspace_id, flt).order_by(Contact.id).subquery()
        return session.scalar(select(func.count()).select_from(ids))
    return session.scalar(_matching(select(func.count()).select_from(Contact), workspace_id, flt))


def _unicode_forms(text: str) -> list[str]:
    """A searched name as it may be stored: names are kept as written, and "É" is one character
    in NFC (what most keyboards send) and two in NFD (what macOS and iOS files often hold)."""
    return list(dict.fromkeys((unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text))))


def _matching(query, workspace_id: uuid.UUID, flt: ContactFilter):
    """`query` (over contacts) narrowed to the workspace's live contacts that match the filter."""
    query = query.where(Contact.workspace_id == workspace_id, Contact.merged_into.is_(None))
    if flt.kind:
        query = query.where(Contact.kind == flt.kind)
    if flt.name:
        # folded by the caller as name_text is (normalize.searchable_names); % and _ are letters
        query = query.where(Contact.name_text.like(f"%{raw.like_escaped(flt.name)}%", escape="\\"))
    if flt.q:
        query = query.where(Contact.search_text.like(f"%{raw.like_escaped(flt.q)}%", escape="\\"))
    for within in flt.names_within:
        query = query.where(Contact.name_text.like(f"%{raw.like_escaped(within)}%", escape="\\"))
    for column, value in ((Contact.first_name, flt.first_name), (Contact.last_name, flt.last_name)):
        if value:
            query = query.where(or_(*(folded_case(column) == fold_case(form) for form in _unicode_forms(value))))
    if flt.organization_name:
        forms = [fold_case(form) for form in _unicode_forms(flt.organization_name)]
        query = query.where(or_(*(folded_case(Contact.organization_name) == form for form in forms),
                                (Contact.organization_name.is_(None))
                                & or_(*(folded_case(Contact.display_name) == form for form in forms))))
    for kind, value, key in (
        ("email", flt.email, None),
        ("phone", flt.phone, None),
        ("identifier", flt.identifier[1] if flt.identifier else None, flt.identifier[0] if flt.identifier else None),
    ):
        if value is not None:
            sub = select(ContactPoint.contact_id).where(
                ContactPoint.workspace_id == workspace_id, ContactPoint.kind == kind, ContactPoint.normalized == value
            )
            if key is not None:
                sub = sub.where(ContactPoint.key == key)
            query = query.where(Contact.id.in_(sub))
    if flt.list_id:
        query = query.where(Contact.id.in_(
            select(ListMember.contact_id).where(
                ListMember.workspace_id == workspace_id, ListMember.list_id == flt.list_id)
        ))
    if flt.account_id:
        query = query.where(Contact.id.in_(
            select(AccountMember.contact_id).where(
                AccountMember.workspace_id == workspace_id, AccountMember.account_id == flt.account_id)
        ))
    for holder, kind in ((flt.group_id, "group_child"), (flt.organization_id, ORG_MEMBER)):
        if holder:
            query = query.where(Contact.id.in_(
                select(Relation.to_id).where(
                    Relation.workspace_id == workspace_id, Relation.from_id == holder, Relation.kind == kind)
            ))
    for key, value in flt.attributes.items():
        query = query.where(Contact.id.in_(
            select(AttributeValue.contact_id).where(
                AttributeValue.workspace_id == workspace_id, AttributeValue.key == key, AttributeValue.value == value)
        ))
    return query


def points_of(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> list[ContactPoint]:
    return list(session.scalars(
        select(ContactPoint).where(ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id == contact_id)
        .order_by(ContactPoint.position)
    ))


def points_by_id(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> list[ContactPoint]:
    if not ids:
        return []
    return list(session.scalars(
        select(ContactPoint).where(ContactPoint.workspace_id == workspace_id, ContactPoint.id.in_(ids))
    ))


def addresses_by_id(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> list[Address]:
    if not ids:
        return []
    return list(session.scalars(select(Address).where(Address.workspace_id == workspace_id, Address.id.in_(ids))))


def list_memberships(session: Session, workspace_id, contact_id) -> list[ListMember]:
    return list(session.scalars(
        select(ListMember).where(ListMember.workspace_id == workspace_id, ListMember.contact_id == contact_id)
    ))


def account_memberships(session: Session, workspace_id, contact_id) -> list[AccountMember]:
    return list(session.scalars(
        select(AccountMember).where(AccountMember.workspace_id == workspace_id, AccountMember.contact_id == contact_id)
    ))


def relations_touching(session: Session, workspace_id, contact_id) -> list:
    return list(session.scalars(
        select(Relation).where(
            Relation.workspace_id == workspace_id, or_(Relation.from_id == contact_id, Relation.to_id == contact_id)
        )
    ))


def delete_relations_from(session: Session, workspace_id, contact_id) -> None:
    """The relations in which the contact holds others (its members, as a group or an organization)."""
    session.execute(delete(Relation).where(Relation.workspace_id == workspace_id, Relation.from_id == contact_id))


def delete_relations_to(session: Session, workspace_id, contact_id, kind: str) -> None:
    """The relations of that kind in which the contact is held (a member of others)."""
    session.execute(delete(Relation).where(Relation.workspace_id == workspace_id, Relation.to_id == contact_id,
                                           Relation.kind == kind))


def contacts_by_id(session: Session, workspace_id, ids: list[uuid.UUID]) -> list[Contact]:
    if not ids:
        return []
    return list(session.scalars(select(Contact).where(Contact.workspace_id == workspace_id, Contact.id.in_(ids))))


def tombstones_pointing_at(session: Session, workspace_id, contact_id) -> list[Contact]:
    return list(session.scalars(
        select(Contact).where(Contact.workspace_id == workspace_id, Contact.merged_into == contact_id)
    ))


def last_event(session: Session, workspace_id, subject_id, action: str, changes_key: str | None = None, value=None):
    rows = session.scalars(
        select(Event).where(Event.workspace_id == workspace_id, Event.subject_id == subject_id, Event.action == action)
        .order_by(Event.id.desc())
    )
    for event in rows:
        if changes_key is None or (event.changes or {}).get(changes_key) == value:
            return event
    return None
