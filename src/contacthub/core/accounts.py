"""Data sources, accounts (a billing system's customers) and the contacts that belong to them.

A contact may belong to accounts, each membership with a `position` (1 is the first contact).
A contact written for an account is an ordinary core contact: its data source and its
external id in that source are identifier points (keys `data_source` and `external_id`), so
every door sees them and the identity engine can match on them.

Rules kept here, whichever door asks:
- a data source's name is unique in the workspace;
- an account's external id is unique within its data source;
- a contact written for an account must name the account's data source (when it names one);
- an email is unique among one account's contacts (another account may have the same email
  on a separate contact);
- position: absent puts the contact after the last one (the first is 1); a taken position
  moves the contacts at and after it down by one; a position past the count is kept as given.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy.orm import Session

from contacthub.core import contacts, events, identity_rules
from contacthub.core import merge as merge_service
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound
from contacthub.core.inputs import MAX_POSITION, AccountLink, ContactInput, IdentifierInput, Strict, WriteOptions, storable_text
from contacthub.core.moments import iso_z, parse_instant
from contacthub.core.normalize import matching_email
from contacthub.core.pagination import decode_cursor, encode_cursor, page_of
from contacthub.core.views import AccountLinkView, ContactView, Page
from contacthub.db.models import Account, DataSource
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import accounts as repo
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import simple as simple_repo
from contacthub.repositories.accounts import MemberFilter

DATA_SOURCE_KEY = identity_rules.DATA_SOURCE_KEY  # an identifier every contact of the source holds
EXTERNAL_ID_KEY = "external_id"
MAX_EXTERNAL_ID = 500  # an identifier's value
UNSET: Any = object()  # "not given" for arguments where None means "clear"

Text = Annotated[str, StringConstraints(max_length=300)]


# ---------------------------------------------------------------- data sources

class DataSourceInput(Strict):
    id: uuid.UUID | None = None  # of the caller's choosing, else made (a restore keeps a backup's ids)
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]  # "   " is none
    system: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "Import API"


def create_data_source(session: Session, actor: Actor, data: DataSourceInput) -> DataSource:
    if repo.data_sources(session, actor.workspace_id, name=data.name):
        raise InvalidInput(FieldError("name", "has already been taken"))
    row = DataSource(workspace_id=actor.workspace_id, id=data.id or new_id(), name=data.name, system=data.system,
                     status="idle", created_at=utcnow())
    if not simple_repo.insert_new(session, row):
        raise Conflict(f"a data source with id {data.id} exists already", field="id", existing_id=data.id)
    events.record(session, actor, "data_source", row.id, "created", changes={"name": data.name})
    return row


def list_data_sources(session: Session, actor: Actor, name: str | None = None) -> list[DataSource]:
    return repo.data_sources(session, actor.workspace_id, name)


def get_data_source(session: Session, actor: Actor, source_id: uuid.UUID) -> DataSource:
    row = repo.data_source(session, actor.workspace_id, source_id)
    if row is None:
        raise NotFound("data source", source_id)
    return row


def delete_data_source(session: Session, actor: Actor, source_id: uuid.UUID) -> None:
    """Its accounts go with it; their contacts stay, no longer members of them, and no longer
    saying they come from it (each contact's change recorded as one update)."""
    row = get_data_source(session, actor, source_id)
    gone = repo.accounts_of_source(session, actor.workspace_id, row.id)
    said = (DATA_SOURCE_KEY, str(row.id))
    holding, after = [], None
    from_it = contact_repo.ContactFilter(identifier=said)
    while ids := contact_repo.page_ids(session, actor.workspace_id, from_it, after, 500):
        holding += ids
        after = ids[-1]
    _let_go(session, actor, {a.id for a in gone}, said, holding)
    for account in gone:  # each account's end is a change of its own, as a delete of it alone is
        events.record(session, actor, "account", account.id, "deleted",
                      before={"name": account.name, "external_id": account.external_id})
    events.record(session, actor, "data_source", row.id, "deleted", before={"name": row.name})
    repo.delete_data_source(session, actor.workspace_id, row.id)


def _let_go(session: Session, actor: Actor, account_ids: set[uuid.UUID], identifier: tuple[str, str] | None = None,
            holding: Collection[uuid.UUID] = ()) -> None:
    """The members of these accounts leave them, and the contacts `holding` the `identifier`
    lose it: one update of each contact, which its history and the change feed show (its other
    accounts keep their positions), written 500 contacts at a time."""
    members = repo.member_contact_ids(session, actor.workspace_id, list(account_ids))
    everyone = sorted(set(members) | set(holding))
    for start in range(0, len(everyone), 500):
        contacts.let_go(session, actor, contacts.get_many(session, actor, everyone[start:start + 500]),
                        account_ids, identifier)


# ---------------------------------------------------------------- accounts

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=300)]
EXTERNAL_ID_TAKEN = "an account with this external id already exists in the data source"


class _AccountDetails(Strict):
    """What an account says of itself, beside where it comes from (shared by create and patch)."""

    name: Text | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    company: Text | None = None
    country: Annotated[str, StringConstraints(max_length=100)] | None = None
    state: Annotated[str, StringConstraints(max_length=100)] | None = None
    city: Annotated[str, StringConstraints(max_length=200)] | None = None
    zip: Annotated[str, StringConstraints(max_length=50)] | None = None
    website_url: Annotated[str, StringConstraints(max_length=500)] | None = None


LEAD_TIMES = ("lead_created_at", "free_trial_started_at")  # of an account's `extra`


def _checked_attributes(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """An account's `tags` are a list of texts and its `custom` an object, whichever door wrote
    them: every door reads them so (a ChartMogul customer's attributes). Other keys: as given."""
    if value is None:
        return None
    tags = value.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) and len(t) <= 255 for t in tags)):
        raise ValueError("`tags` must be a list of texts (each at most 255 characters)")
    if value.get("custom") is not None and not isinstance(value["custom"], dict):
        raise ValueError("`custom` must be an object")
    return value


def _checked_extra(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """An account's lead dates are ISO-8601 date-times, kept in UTC with milliseconds (as
    ChartMogul writes them; a time without an offset is UTC). Other keys: as given."""
    if value is None:
        return None
    out = dict(value)
    for name in LEAD_TIMES:
        if out.get(name) is None:
            continue
        try:
            out[name] = iso_z(parse_instant(out[name]), "milliseconds")
        except ValueError as exc:
            raise ValueError(f"`{name}` {exc}") from None
    return out


AccountAttributes = Annotated[dict[str, Any], AfterValidator(_checked_attributes)]
AccountExtra = Annotated[dict[str, Any], AfterValidator(_checked_extra)]


class AccountInput(_AccountDetails):
    id: uuid.UUID | None = None  # of the caller's choosing, else made (a restore keeps a backup's ids)
    data_source_id: uuid.UUID
    external_id: ExternalId
    attributes: AccountAttributes = Field(default_factory=dict)  # tags, custom, and what a caller adds
    extra: AccountExtra = Field(default_factory=dict)  # lead dates, and what a caller adds


def create_account(session: Session, actor: Actor, data: AccountInput) -> Account:
    ws = actor.workspace_id
    errors = []
    if repo.data_source(session, ws, data.data_source_id) is None:
        errors.append(FieldError("data_source_id", f"no data source {data.data_source_id}"))
    elif repo.account_by_external_id(session, ws, data.data_source_id, data.external_id) is not None:
        errors.append(FieldError("external_id", EXTERNAL_ID_TAKEN))
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    row = Account(workspace_id=ws, id=data.id or new_id(), created_at=now, updated_at=now,
                  **data.model_dump(exclude={"id"}))
    if not simple_repo.insert_new(session, row):
        raise Conflict(f"an account with id {data.id} exists already", field="id", existing_id=data.id)
    events.record(session, actor, "account", row.id, "created", changes=data.model_dump(mode="json", exclude={"id"}))
    return row


class AccountPatch(_AccountDetails):
    """Absent fields stay; null clears (an account keeps its data source and external id)."""

    external_id: ExternalId | None = None
    attributes: AccountAttributes | None = None
    extra: AccountExtra | None = None


def update_account(session: Session, actor: Actor, account_id: uuid.UUID, data: AccountPatch) -> Account:
    row = get_account(session, actor, account_id, lock=True)
    given = {name: getattr(data, name) for name in data.model_fields_set}
    if "external_id" in given:
        if given["external_id"] is None:
            raise InvalidInput(FieldError("external_id", "cannot be cleared"))
        other = repo.account_by_external_id(session, actor.workspace_id, row.data_source_id, given["external_id"])
        if other is not None and other.id != row.id:
            raise InvalidInput(FieldError("external_id", EXTERNAL_ID_TAKEN))
    for name in ("attributes", "extra"):
        if name in given and given[name] is None:
            given[name] = {}
    before = {name: getattr(row, name) for name in given}
    changed = {name: value for name, value in given.items() if before[name] != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        repo.flush(session)
        events.record(session, actor, "account", row.id, "updated",
                      changes={name: [before[name], value] for name, value in changed.items()})
    return row


def delete_account(session: Session, actor: Actor, account_id: uuid.UUID) -> None:
    """The account and its memberships; its contacts stay, each no longer a member (recorded as
    an update of the contact)."""
    row = get_account(session, actor, account_id, lock=True)
    _let_go(session, actor, {row.id})
    events.record(session, actor, "account", row.id, "deleted", before={"name": row.name, "external_id": row.external_id})
    repo.delete_account(session, actor.workspace_id, row.id)


def get_account(session: Session, actor: Actor, account_id: uuid.UUID, lock: bool = False) -> Account:
    """The account; `lock` holds it until the transaction ends, so two writes checking the
    per-account email rule or shifting positions take turns."""
    row = repo.account(session, actor.workspace_id, account_id, lock)
    if row is None:
        raise NotFound("account", account_id)
    return row


def list_accounts(
    session: Session, actor: Actor, data_source_id: uuid.UUID | None, external_id: str | None,
    cursor: str | None, limit: int, email: str | None = None, system: str | None = None,
) -> Page:
    """A page of accounts; `email` keeps those with that email, in any case; `system` those of
    the data sources of that billing system."""
    rows = repo.page_accounts(session, actor.workspace_id, data_source_id, external_id, decode_cursor(cursor),
                              limit + 1, email, system)
    return page_of(rows, limit)


# ---------------------------------------------------------------- contacts of accounts

@dataclass
class MemberView:
    """A contact seen from one of its accounts (the first one, unless asked otherwise)."""

    contact: ContactView
    account: Account | None
    position: int | None
    data_source_id: uuid.UUID | None
    external_id: str | None


def get_live(session: Session, actor: Actor, contact_id: uuid.UUID) -> ContactView:
    """The contact itself: an id merged away (a tombstone) or deleted is not found."""
    row = contact_repo.get(session, actor.workspace_id, contact_id)
    if row is None or row.merged_into is not None:
        raise NotFound("contact", contact_id)
    return contacts.get_many(session, actor, [row.id])[0]


def get_member(session: Session, actor: Actor, contact_id: uuid.UUID) -> MemberView:
    return member_views(session, actor, [get_live(session, actor, contact_id)])[0]


def member_views(session: Session, actor: Actor, views: list[ContactView],
                 within: Collection[uuid.UUID] | None = None) -> list[MemberView]:
    """Each contact seen from its first account, or from its first account among `within`
    (the accounts a list was filtered by)."""
    wanted = [_link(v, within) for v in views]
    found = repo.accounts_by_id(session, actor.workspace_id, [link.id for link in wanted if link is not None])
    result = []
    for view, link in zip(views, wanted):
        account = found.get(link.id) if link is not None else None
        source = account.data_source_id if account is not None else _source_of(view)
        result.append(MemberView(view, account, link.position if account is not None else None, source,
                                 _identifier(view, EXTERNAL_ID_KEY)))
    return result


def list_members(session: Session, actor: Actor, flt: MemberFilter, cursor: str | None, limit: int) -> Page:
    flt.source_key = DATA_SOURCE_KEY
    if flt.email is not None:
        flt.email = matching_email(flt.email)
    if flt.account_id is not None:
        get_account(session, actor, flt.account_id)
    ids = repo.page_member_ids(session, actor.workspace_id, flt, decode_cursor(cursor), limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    views = contacts.get_many(session, actor, ids)
    # a contact is shown as a member of the account the list was filtered by
    within = {flt.account_id} if flt.account_id is not None else None
    if within is None and flt.account_external_id is not None:
        within = repo.account_ids_with_external_id(session, actor.workspace_id, flt.account_external_id)
    return Page(member_views(session, actor, views, within=within), encode_cursor(ids[-1]) if more and ids else None)


def create_member(
    session: Session, actor: Actor, data: ContactInput, *, account_id: uuid.UUID | None,
    data_source_id: uuid.UUID | None, external_id: str | None = None, position: int | None = None,
    options: WriteOptions | None = None,
) -> MemberView:
    """A new contact, in the account when one is named (else only in the data source)."""
    options = options or WriteOptions()
    ws = actor.workspace_id
    account = get_account(session, actor, account_id, lock=True) if account_id is not None else None
    errors = _position_errors(position) + _external_id_errors(external_id)
    if account is not None:
        if data_source_id is not None and data_source_id != account.data_source_id:
            errors.append(FieldError("data_source_id", "is not the data source of the account"))
        data_source_id = account.data_source_id
        errors += _email_errors(session, ws, account.id, data, exclude=None)
    elif data_source_id is not None and repo.data_source(session, ws, data_source_id) is None:
        errors.append(FieldError("data_source_id", f"no data source {data_source_id}"))
    if errors:
        raise InvalidInput(errors)

    identifiers = []
    if data_source_id is not None:
        identifiers.append(IdentifierInput(key=DATA_SOURCE_KEY, value=str(data_source_id)))
    if external_id:
        identifiers.append(IdentifierInput(key=EXTERNAL_ID_KEY, value=external_id))
    update: dict[str, Any] = {"identifiers": (data.identifiers or []) + identifiers}
    if account is not None:
        update["accounts"] = [AccountLink(id=account.id, position=_make_room(session, actor, account.id, None, position))]
    view = contacts.create(session, actor, data.model_copy(update=update), options)
    return member_views(session, actor, [view], within={account.id} if account else None)[0]


def update_member(
    session: Session, actor: Actor, contact_id: uuid.UUID, data: ContactInput, *,
    external_id: str | None = UNSET, position: int | None = UNSET, options: WriteOptions | None = None,
) -> MemberView:
    """Absent fields stay, None clears (a None position keeps the current one)."""
    options = options or WriteOptions()
    ws = actor.workspace_id
    current = member_views(session, actor, [get_live(session, actor, contact_id)])[0]
    view, account = current.contact, current.account
    if account is not None:
        account = get_account(session, actor, account.id, lock=True)
    errors = _position_errors(None if position is UNSET else position)
    errors += _external_id_errors(None if external_id is UNSET else external_id)
    if account is not None:
        errors += _email_errors(session, ws, account.id, data, exclude=view.id)
    if errors:
        raise InvalidInput(errors)

    update: dict[str, Any] = {}
    if external_id is not UNSET:
        kept = [IdentifierInput(key=p.key, value=p.value, properties=p.properties)
                for p in view.identifiers if p.key != EXTERNAL_ID_KEY]
        update["identifiers"] = kept + ([IdentifierInput(key=EXTERNAL_ID_KEY, value=external_id)] if external_id else [])
    if account is not None and position not in (UNSET, None) and position != current.position:
        new_position = _make_room(session, actor, account.id, view.id, position)
        update["accounts"] = [
            AccountLink(id=link.id, position=new_position if link.id == account.id else link.position)
            for link in view.accounts
        ]
    view = contacts.update(session, actor, view.id, data.model_copy(update=update), options)
    return member_views(session, actor, [view], within={account.id} if account else None)[0]


def delete_member(session: Session, actor: Actor, contact_id: uuid.UUID) -> None:
    contacts.delete(session, actor, get_live(session, actor, contact_id).id)


def merge_members(session: Session, actor: Actor, into_id: uuid.UUID, from_id: uuid.UUID) -> MemberView:
    """`from` is merged into `into`; only live ids are taken (a tombstone is not found here)."""
    into, loser = get_live(session, actor, into_id), get_live(session, actor, from_id)
    view = merge_service.merge(session, actor, into.id, loser.id)
    return member_views(session, actor, [view])[0]


# ---------------------------------------------------------------- helpers

def _link(view: ContactView, within: Collection[uuid.UUID] | None):
    if within is not None:
        return next((a for a in view.accounts if a.id in within), None)
    return view.accounts[0] if view.accounts else None


def _identifier(view: ContactView, key: str) -> str | None:
    return next((p.value for p in view.identifiers if p.key == key), None)


def _source_of(view: ContactView) -> uuid.UUID | None:
    value = _identifier(view, DATA_SOURCE_KEY)
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _position_errors(position: int | None) -> list[FieldError]:
    if position is not None and position < 1:
        return [FieldError("position", "must be 1 or more")]
    if position is not None and position > MAX_POSITION:
        return [FieldError("position", f"must be at most {MAX_POSITION}")]
    return []


def _external_id_errors(external_id: str | None) -> list[FieldError]:
    if external_id is not None and len(external_id) > MAX_EXTERNAL_ID:
        return [FieldError("external_id", f"must be at most {MAX_EXTERNAL_ID} characters")]
    try:
        storable_text(external_id)
    except ValueError as exc:
        return [FieldError("external_id", str(exc))]
    return []


def _email_errors(session: Session, ws: uuid.UUID, account_id: uuid.UUID, data: ContactInput, exclude) -> list[FieldError]:
    if "emails" not in data.model_fields_set or not data.emails:
        return []
    wanted = {i: matching_email(e.address) for i, e in enumerate(data.emails)}
    taken = repo.members_with_email(session, ws, account_id, list(wanted.values()))
    return [
        FieldError(f"emails[{i}].address", "is already the email of another contact of this account")
        for i, email in wanted.items() if any(c != exclude for c in taken.get(email, []))
    ]


def _make_room(session: Session, actor: Actor, account_id: uuid.UUID, contact_id, position: int | None) -> int:
    """The position the contact gets; when another contact holds it, that one and the ones
    after it move down by one. A contact moving within the account first leaves its place,
    the ones after it moving up, so moving there and back leaves no gap. Those moved are each
    recorded as an update (a follower of the feed keeps their positions), 500 at a time."""
    ws = actor.workspace_id
    if position is None:
        return repo.last_position(session, ws, account_id, besides=contact_id) + 1
    mine = repo.position_of(session, ws, account_id, contact_id) if contact_id is not None else None
    leaving = mine is not None and mine != position
    taken = repo.position_held(session, ws, account_id, position, besides=contact_id)
    if not leaving and not taken:
        return position
    lowest = min(mine + 1 if leaving else position, position)
    was = repo.positions(session, ws, account_id, lowest, besides=contact_id)  # the members, not whole contacts
    if leaving:
        repo.shift_positions(session, ws, account_id, mine + 1, -1, besides=contact_id)
    if repo.position_held(session, ws, account_id, position, besides=contact_id):
        repo.shift_positions(session, ws, account_id, position, +1, besides=contact_id)
    now_at = repo.positions(session, ws, account_id, max(lowest - 1, 1), besides=contact_id)  # (-1: moved up)
    moved = [member for member, at in was.items() if now_at.get(member) != at]
    for start in range(0, len(moved), 500):  # read and recorded 500 at a time: an account may hold 50,000
        after = contacts.get_many(session, actor, moved[start:start + 500])
        contacts.record_moved(session, actor, [(_at(view, account_id, was[view.id]), view) for view in after])
    return position


def _at(view: ContactView, account_id: uuid.UUID, position: int) -> ContactView:
    """The contact as it was at `position` in the account."""
    return replace(view, accounts=[AccountLinkView(link.id, position if link.id == account_id else link.position)
                                   for link in view.accounts])
