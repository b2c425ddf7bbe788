"""Queries over contacts and everything hanging off them. No rules here: the service decides."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from contacthub.core.views import AccountLinkView, AddressView, ContactView, PointView
from contacthub.db.models import (
    AccountMember,
    Address,
    AttributeValue,
    Contact,
    ContactPoint,
    ListMember,
)

_CONTACT_COLUMNS = (
    "id", "workspace_id", "kind", "display_name", "prefix", "first_name", "middle_name",
    "last_name", "suffix", "nickname", "salutation", "organization_name", "official_name",
    "title", "employer", "occupation", "birth_date", "notes", "social", "attributes", "extra",
    "created_at", "updated_at", "merged_into",
)


@dataclass
class ContactFilter:
    kind: str | None = None
    name: str | None = None
    email: str | None = None  # normalized
    phone: str | None = None  # normalized
    identifier: tuple[str, str] | None = None  # (key, value)
    list_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    q: str | None = None


def get(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
    return session.get(Contact, (workspace_id, contact_id))


def add(session: Session, row) -> None:
    session.add(row)


def flush(session: Session) -> None:
    session.flush()


def load_views(session: Session, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[ContactView]:
    """Whole contacts in the order asked, in five queries whatever the count."""
    if not ids:
        return []
    rows = session.scalars(
        select(Contact).where(Contact.workspace_id == workspace_id, Contact.id.in_(ids))
    ).all()
    views = {r.id: ContactView(**{c: getattr(r, c) for c in _CONTACT_COLUMNS}) for r in rows}
    for p in session.scalars(
        select(ContactPoint)
        .where(ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id.in_(views))
        .order_by(ContactPoint.contact_id, ContactPoint.position)
    ):
        target = {"email": "emails", "phone": "phones"}.get(p.kind, "identifiers")
        getattr(views[p.contact_id], target).append(
            PointView(p.id, p.kind, p.key, p.value, p.normalized, p.type, p.is_primary, p.properties or {}, p.created_at)
        )
    for a in session.scalars(
        select(Address)
        .where(Address.workspace_id == workspace_id, Address.contact_id.in_(views))
        .order_by(Address.contact_id, Address.position)
    ):
        views[a.contact_id].addresses.append(
            AddressView(a.id, a.type, a.line1, a.line2, a.city, a.region, a.postal_code, a.country,
                        a.is_primary, a.properties or {})
        )
    for contact_id, list_id in session.execute(
        select(ListMember.contact_id, ListMember.list_id)
        .where(ListMember.workspace_id == workspace_id, ListMember.contact_id.in_(views))
        .order_by(ListMember.created_at, ListMember.list_id)
    ):
        views[contact_id].list_ids.append(list_id)
    for contact_id, account_id, position in session.execute(
        select(AccountMember.contact_id, AccountMember.account_id, AccountMember.position)
        .where(AccountMember.workspace_id == workspace_id, AccountMember.contact_id.in_(views))
        .order_by(AccountMember.created_at, AccountMember.account_id)
    ):
        views[contact_id].accounts.append(AccountLinkView(account_id, position))
    return [views[i] for i in ids if i in views]


def contacts_with_points(
    session: Session, workspace_id: uuid.UUID, kind: str, normalized: Iterable[str], key: str | None = None
) -> dict[str, list[uuid.UUID]]:
    """normalized value -> ids of live contacts carrying it."""
    values = list(set(normalized))
    if not values:
        return {}
    query = (
        select(ContactPoint.normalized, ContactPoint.contact_id)
        .join(Contact, (Contact.workspace_id == ContactPoint.workspace_id) & (Contact.id == ContactPoint.contact_id))
        .where(
            ContactPoint.workspace_id == workspace_id,
            ContactPoint.kind == kind,
            ContactPoint.normalized.in_(values),
            Contact.merged_into.is_(None),
        )
    )
    if key is not None:
        query = query.where(ContactPoint.key == key)
    found: dict[str, list[uuid.UUID]] = defaultdict(list)
    # Sorted here, not in SQL: an ORDER BY contact_id makes SQLite walk the workspace's whole
    # ix_points_contact index instead of probing ix_points_lookup (slow on big workspaces).
    for value, contact_id in sorted(session.execute(query), key=lambda r: r[1]):
        found[value].append(contact_id)
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
    query = select(Contact.id).where(Contact.workspace_id == workspace_id, Contact.merged_into.is_(None))
    if flt.kind:
        query = query.where(Contact.kind == flt.kind)
    if flt.name:
        pattern = f"%{flt.name.lower()}%"
        query = query.where(
            or_(*(func.lower(col).like(pattern) for col in (
                Contact.display_name, Contact.first_name, Contact.last_name, Contact.organization_name,
                func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, ""),
            )))
        )
    if flt.q:
        query = query.where(Contact.search_text.like(f"%{flt.q.lower()}%"))
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
    for key, value in flt.attributes.items():
        query = query.where(Contact.id.in_(
            select(AttributeValue.contact_id).where(
                AttributeValue.workspace_id == workspace_id, AttributeValue.key == key, AttributeValue.value == value)
        ))
    if after is not None:
        query = query.where(Contact.id < after if descending else Contact.id > after)
    query = query.order_by(Contact.id.desc() if descending else Contact.id).limit(limit)
    return list(session.scalars(query))


def count(session: Session, workspace_id: uuid.UUID) -> int:
    return session.scalar(
        select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace_id, Contact.merged_into.is_(None))
    )
