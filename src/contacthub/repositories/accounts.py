"""Queries over data sources, accounts and account membership. No rules: core/accounts decides."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from contacthub.db.models import Account, AccountMember, Contact, ContactPoint, DataSource


@dataclass
class MemberFilter:
    """Filters of the account-aware contact list; every value already in its stored form."""

    email: str | None = None  # normalized
    identifiers: dict[str, str] = field(default_factory=dict)  # key -> value, all must match
    account_id: uuid.UUID | None = None
    account_external_id: str | None = None
    # A contact is in a data source when it says so (identifier `source_key`) or when one of
    # its accounts is in it.
    data_source_id: uuid.UUID | None = None
    source_key: str = "data_source"


def flush(session: Session) -> None:
    session.flush()


# ---------------------------------------------------------------- data sources

def data_source(session: Session, workspace_id: uuid.UUID, source_id: uuid.UUID) -> DataSource | None:
    return session.get(DataSource, (workspace_id, source_id))


def data_sources(session: Session, workspace_id: uuid.UUID, name: str | None = None) -> list[DataSource]:
    query = select(DataSource).where(DataSource.workspace_id == workspace_id)
    if name is not None:
        query = query.where(DataSource.name == name)
    return list(session.scalars(query.order_by(DataSource.id)))


def accounts_of_source(session: Session, workspace_id: uuid.UUID, source_id: uuid.UUID) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.workspace_id == workspace_id,
                                                      Account.data_source_id == source_id).order_by(Account.id)))


def member_contact_ids(session: Session, workspace_id: uuid.UUID, account_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The contacts that are members of any of the accounts, each once."""
    if not account_ids:
        return []
    return list(session.scalars(select(AccountMember.contact_id).distinct().where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id.in_(account_ids))
        .order_by(AccountMember.contact_id)))


def delete_data_source(session: Session, workspace_id: uuid.UUID, source_id: uuid.UUID) -> None:
    """The source, its accounts and their memberships (explicitly, whatever the engine's FK mode)."""
    accounts = select(Account.id).where(Account.workspace_id == workspace_id, Account.data_source_id == source_id)
    session.execute(
        delete(AccountMember).where(AccountMember.workspace_id == workspace_id, AccountMember.account_id.in_(accounts))
    )
    session.execute(delete(Account).where(Account.workspace_id == workspace_id, Account.data_source_id == source_id))
    session.execute(delete(DataSource).where(DataSource.workspace_id == workspace_id, DataSource.id == source_id))


# ---------------------------------------------------------------- accounts

def account(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, lock: bool = False) -> Account | None:
    """With `lock`, the row stays locked until the transaction ends (PostgreSQL; SQLite writers
    are serialized already)."""
    return session.get(Account, (workspace_id, account_id), with_for_update=lock or None)


def delete_account(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID) -> None:
    """The account and its memberships (explicitly, whatever the engine's FK mode)."""
    session.execute(delete(AccountMember).where(AccountMember.workspace_id == workspace_id,
                                                AccountMember.account_id == account_id))
    session.execute(delete(Account).where(Account.workspace_id == workspace_id, Account.id == account_id))


def accounts_by_id(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
    if not ids:
        return {}
    rows = session.scalars(select(Account).where(Account.workspace_id == workspace_id, Account.id.in_(set(ids))))
    return {a.id: a for a in rows}


def account_by_external_id(
    session: Session, workspace_id: uuid.UUID, data_source_id: uuid.UUID, external_id: str
) -> Account | None:
    return session.scalars(
        select(Account).where(
            Account.workspace_id == workspace_id, Account.data_source_id == data_source_id,
            Account.external_id == external_id,
        ).order_by(Account.id).limit(1)
    ).first()


def account_ids_with_external_id(session: Session, workspace_id: uuid.UUID, external_id: str) -> set[uuid.UUID]:
    return set(session.scalars(select(Account.id).where(Account.workspace_id == workspace_id,
                                                        Account.external_id == external_id)))


def page_accounts(
    session: Session, workspace_id: uuid.UUID, data_source_id: uuid.UUID | None, external_id: str | None,
    after: uuid.UUID | None, limit: int, email: str | None = None, system: str | None = None,
) -> list[Account]:
    query = select(Account).where(Account.workspace_id == workspace_id)
    if system is not None:  # the accounts of the data sources of that billing system
        query = query.where(Account.data_source_id.in_(select(DataSource.id).where(
            DataSource.workspace_id == workspace_id, DataSource.system == system)))
    if email is not None:
        query = query.where(func.lower(Account.email) == func.lower(email))
    if data_source_id is not None:
        query = query.where(Account.data_source_id == data_source_id)
    if external_id is not None:
        query = query.where(Account.external_id == external_id)
    if after is not None:
        query = query.where(Account.id > after)
    return list(session.scalars(query.order_by(Account.id).limit(limit)))


# ---------------------------------------------------------------- membership

def position_of(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, contact_id: uuid.UUID) -> int | None:
    return session.scalar(select(AccountMember.position).where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id == account_id,
        AccountMember.contact_id == contact_id))


def last_position(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID,
                  besides: uuid.UUID | None = None) -> int:
    """The highest position in the account (0 when it has no members), `besides` not counted."""
    query = select(func.max(AccountMember.position)).where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id == account_id)
    if besides is not None:
        query = query.where(AccountMember.contact_id != besides)
    return session.scalar(query) or 0


def position_held(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, position: int,
                  besides: uuid.UUID | None = None) -> bool:
    query = select(AccountMember.contact_id).where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id == account_id,
        AccountMember.position == position)
    if besides is not None:
        query = query.where(AccountMember.contact_id != besides)
    return session.scalar(query.limit(1)) is not None


def positions(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, at_least: int,
              besides: uuid.UUID | None = None) -> dict[uuid.UUID, int]:
    """member -> position, of the members at `at_least` or after."""
    query = select(AccountMember.contact_id, AccountMember.position).where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id == account_id,
        AccountMember.position >= at_least)
    if besides is not None:
        query = query.where(AccountMember.contact_id != besides)
    return dict(session.execute(query).tuples().all())


def shift_positions(session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, at_least: int, by: int,
                    besides: uuid.UUID | None = None) -> None:
    """Every member from `at_least` on moves `by` places (one statement, however many)."""
    query = update(AccountMember).where(
        AccountMember.workspace_id == workspace_id, AccountMember.account_id == account_id,
        AccountMember.position >= at_least)
    if besides is not None:
        query = query.where(AccountMember.contact_id != besides)
    session.execute(query.values(position=AccountMember.position + by))


def members_with_email(
    session: Session, workspace_id: uuid.UUID, account_id: uuid.UUID, normalized: list[str]
) -> dict[str, list[uuid.UUID]]:
    """normalized email -> live members of the account carrying it."""
    if not normalized:
        return {}
    rows = session.execute(
        select(ContactPoint.normalized, ContactPoint.contact_id)
        .join(AccountMember, (AccountMember.workspace_id == ContactPoint.workspace_id)
              & (AccountMember.contact_id == ContactPoint.contact_id))
        .join(Contact, (Contact.workspace_id == ContactPoint.workspace_id) & (Contact.id == ContactPoint.contact_id))
        .where(
            ContactPoint.workspace_id == workspace_id, ContactPoint.kind == "email",
            ContactPoint.normalized.in_(set(normalized)), AccountMember.account_id == account_id,
            Contact.merged_into.is_(None),
        )
    )
    found: dict[str, list[uuid.UUID]] = {}
    for value, contact_id in rows:
        found.setdefault(value, []).append(contact_id)
    return found


def page_member_ids(
    session: Session, workspace_id: uuid.UUID, flt: MemberFilter, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """Ids of live contacts matching the filter, oldest first, after the cursor."""
    ws = workspace_id
    query = select(Contact.id).where(Contact.workspace_id == ws, Contact.merged_into.is_(None))

    def with_point(kind: str, value: str, key: str | None = None):
        sub = select(ContactPoint.contact_id).where(
            ContactPoint.workspace_id == ws, ContactPoint.kind == kind, ContactPoint.normalized == value)
        if key is not None:
            sub = sub.where(ContactPoint.key == key)
        return Contact.id.in_(sub)

    def in_accounts(*conditions):
        return Contact.id.in_(
            select(AccountMember.contact_id)
            .join(Account, (Account.workspace_id == AccountMember.workspace_id) & (Account.id == AccountMember.account_id))
            .where(AccountMember.workspace_id == ws, *conditions)
        )

    if flt.email is not None:
        query = query.where(with_point("email", flt.email))
    for key, value in flt.identifiers.items():
        query = query.where(with_point("identifier", value, key))
    if flt.account_id is not None:
        query = query.where(in_accounts(Account.id == flt.account_id))
    if flt.account_external_id is not None:
        query = query.where(in_accounts(Account.external_id == flt.account_external_id))
    if flt.data_source_id is not None:
        query = query.where(or_(
            with_point("identifier", str(flt.data_source_id), flt.source_key),
            in_accounts(Account.data_source_id == flt.data_source_id),
        ))
    if after is not None:
        query = query.where(Contact.id > after)
    return list(session.scalars(query.order_by(Contact.id).limit(limit)))

