"""The contact service: every rule about writing and reading contacts, for every door.

A write is checked in full before anything is stored (all faults reported together), then
stored in the caller's transaction, then recorded as an event with what changed.
"""

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core import attributes as attribute_rules
from contacthub.core import events, identity_index, normalize
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound
from contacthub.core.identity_rules import SHARED_IDENTIFIER_KEYS, profile_of
from contacthub.core.inputs import SCALAR_FIELDS, ContactInput, WriteOptions
from contacthub.core.normalize import (
    loose_email, loose_phone, matching_email, matching_phone, normalize_email, normalize_phone, with_extension,
)
from contacthub.core.pagination import decode_cursor, encode_cursor
from contacthub.core.views import AccountLinkView, ContactCard, ContactView, Page, display_name_of
from contacthub.db.models import Address, Contact
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import accounts as account_repo
from contacthub.repositories import contacts as repo
from contacthub.repositories import identity as identity_repo
from contacthub.repositories import simple as simple_repo
from contacthub.repositories.contacts import ContactFilter  # the doors name their filters with it too
from contacthub.settings import get_settings

MAX_MERGE_HOPS = 20
# The longest value a text filter may be (a name, an email, a phone, `q`): longer than anything
# stored, so it can match nothing, and far longer makes a pattern SQLite refuses outright.
MAX_FILTER_TEXT = 500
ADDRESS_CONTENT = ("line1", "line2", "city", "region", "postal_code", "country")  # what makes an address one
# Identifier keys that name an email or a phone (Bird's among them): those are given as emails
# and phones, which every door reads as such, and never as identifiers.
POINT_KEYS = {"email": "email", "emailaddress": "email", "phone": "phone", "phonenumber": "phone"}


@dataclass
class PreparedPoint:
    """An email, phone or identifier of a write, checked and normalized (see `prepare`)."""

    kind: str
    key: str
    value: str
    normalized: str
    type: str | None
    primary: bool
    properties: dict[str, Any]
    path: str  # where it came from in the input, for error messages


@dataclass
class PreparedWrite:
    """A write's input once checked and normalized, field by field (only the fields given)."""

    points: dict[str, list[PreparedPoint]] = field(default_factory=dict)  # kind -> points
    attributes: dict[str, Any] | None = None
    lists: list[uuid.UUID] | None = None
    accounts: list[tuple[uuid.UUID, int]] | None = None


@dataclass
class Restored:
    """What a contact had where it was exported, kept when a restore creates it again: its id
    (the caller makes sure no contact here holds it), when it was created and last changed, and
    its addresses' ids in order (one that an address here holds is made anew)."""

    id: uuid.UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    address_ids: list[uuid.UUID | None] = field(default_factory=list)


# ---------------------------------------------------------------- reading

def get(session: Session, actor: Actor, contact_id: uuid.UUID) -> ContactView:
    """The contact; the id of a merged-away contact resolves to its survivor."""
    wanted = contact_id
    for _ in range(MAX_MERGE_HOPS):
        found = _views(session, actor, [wanted])
        if not found:
            break
        if found[0].merged_into is None:
            return found[0]
        wanted = found[0].merged_into
    raise NotFound("contact", contact_id)


def get_of_kind(session: Session, actor: Actor, contact_id: uuid.UUID, kind: str) -> ContactView:
    """A contact of that kind (a group, an organization), as `get` finds it; NotFound, named
    after the kind, for a contact of another kind."""
    view = get(session, actor, contact_id)
    if view.kind != kind:
        raise NotFound(kind, contact_id)
    return view


def resolve_id(session: Session, actor: Actor, contact_id: uuid.UUID) -> uuid.UUID:
    row = repo.get(session, actor.workspace_id, contact_id)
    for _ in range(MAX_MERGE_HOPS):
        if row is None:
            break
        if row.merged_into is None:
            return row.id
        row = repo.get(session, actor.workspace_id, row.merged_into)
    raise NotFound("contact", contact_id)


def resolve_ids(session: Session, actor: Actor, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """For each of `ids` that a contact of the workspace (live or merged away) has: the live
    contact it is now, itself or the survivor it merged into (None if that chain is broken)."""
    resolved: dict[uuid.UUID, uuid.UUID | None] = {}
    for contact_id, into in repo.merged_into_of(session, actor.workspace_id, ids).items():
        if into is None:
            resolved[contact_id] = contact_id
        else:
            try:
                resolved[contact_id] = resolve_id(session, actor, into)
            except NotFound:
                resolved[contact_id] = None
    return resolved


def get_many(session: Session, actor: Actor, ids: list[uuid.UUID]) -> list[ContactView]:
    return _views(session, actor, ids)


def cards(session: Session, actor: Actor, ids: list[uuid.UUID]) -> dict[uuid.UUID, ContactCard]:
    """id -> the contact as another one names it (its name and shown email), for those of
    `ids` there are: read without the rest of the contact."""
    return {cid: ContactCard(cid, display_name_of(display, first, last, organization, first_email, first_phone),
                             shown_email)
            for cid, (display, first, last, organization, shown_email, first_email, first_phone)
            in repo.load_cards(session, actor.workspace_id, ids).items()}


def list_page(
    session: Session, actor: Actor, flt: ContactFilter, cursor: str | None, limit: int, descending: bool = False
) -> Page:
    after = decode_cursor(cursor)
    flt = checked_filter(session, actor, flt)
    ids = repo.page_ids(session, actor.workspace_id, flt, after, limit + 1, descending)
    more = len(ids) > limit
    ids = ids[:limit]
    return Page(_views(session, actor, ids), encode_cursor(ids[-1]) if more and ids else None)


def count(session: Session, actor: Actor, flt: ContactFilter | None = None) -> int:
    """How many live contacts match the filter (all of them without one)."""
    return repo.count(session, actor.workspace_id, checked_filter(session, actor, flt or ContactFilter()))


def checked_filter(session: Session, actor: Actor, flt: ContactFilter) -> ContactFilter:
    """The filter in the stored form its values compare in, so `email=Ada@Example.com` finds
    ada@example.com; InvalidInput when a value can be no such form (a phone that is none). A
    door that streams its answer checks the filter with this first, while it can still refuse."""
    errors = []
    # a filter given empty (`?email=`) is no filter, in every door alike; the blanks around one
    # given are no part of it (`?name= ann ` finds Ann)
    texts = {name: getattr(flt, name) for name in ("name", "email", "phone", "q", "first_name", "last_name",
                                                   "organization_name") if getattr(flt, name) is not None}
    flt = dataclasses.replace(flt, **{name: value.strip() or None for name, value in texts.items()})
    errors += [FieldError(name, f"at most {MAX_FILTER_TEXT} characters") for name in texts
               if len(getattr(flt, name) or "") > MAX_FILTER_TEXT]
    email, phone = flt.email, flt.phone
    if email is not None:
        email = matching_email(email)
    if phone is not None:
        # as the phone is filed: E.164, or its digits where it is no valid number (a door that
        # keeps phones unchecked, as ChartMogul does, stored it so); with no digit it is none
        phone = matching_phone(phone, get_settings().default_region)
        if not any(c.isdigit() for c in phone):
            errors.append(FieldError("phone", "not a phone number"))
    attrs = _attribute_filters(session, actor.workspace_id, flt.attributes, errors)
    if errors:
        raise InvalidInput(errors)
    _named_ones_exist(session, actor.workspace_id, flt)
    q = normalize.searched(flt.q) if flt.q is not None else None  # as search_text is stored
    name = normalize.searchable(flt.name) if flt.name is not None else None  # as name_text is stored
    # a whole name that matches is in the contact's name_text too (a first cut for those filters)
    within = tuple(normalize.searchable(value) for value in (flt.first_name, flt.last_name, flt.organization_name)
                   if value)
    return dataclasses.replace(flt, email=email, phone=phone, attributes=attrs, q=q, name=name, names_within=within)


def _named_ones_exist(session: Session, ws: uuid.UUID, flt: ContactFilter) -> None:
    """A list, account, group or organization the filter names that this workspace lacks is a
    404, as an id that is no id is (an empty page said "nobody is in it")."""
    if flt.list_id and simple_repo.get_list(session, ws, flt.list_id) is None:
        raise NotFound("list", flt.list_id)
    if flt.account_id and account_repo.account(session, ws, flt.account_id) is None:
        raise NotFound("account", flt.account_id)
    for kind, contact_id in (("group", flt.group_id), ("organization", flt.organization_id)):
        if contact_id and repo.kinds_of(session, ws, [contact_id]).get(contact_id) != kind:
            raise NotFound(kind, contact_id)


def _attribute_filters(session: Session, ws: uuid.UUID, values: dict[str, str],
                       errors: list[FieldError]) -> dict[str, str]:
    """Each attribute filter in the text its attribute's values are indexed in: a defined
    attribute's typed as its values are when written (`dt=2024-06-01T10:00:00+05:30` finds the
    instant stored in UTC, `n=007` the integer 7); a value its type can never hold is an error."""
    definitions = simple_repo.definitions(session, ws) if values else {}
    texts = {}
    for key, value in values.items():
        try:
            texts[key] = attribute_rules.filter_text(value, definitions.get(key))
        except ValueError as exc:
            errors.append(FieldError(f"attributes.{key}", str(exc)))
    return texts


def _views(session: Session, actor: Actor, ids: list[uuid.UUID]) -> list[ContactView]:
    return repo.load_views(session, actor.workspace_id, ids)


# ---------------------------------------------------------------- writing

def create(session: Session, actor: Actor, data: ContactInput, options: WriteOptions | None = None,
           restored: Restored | None = None) -> ContactView:
    """A new contact; a restore from an export keeps what `restored` carries."""
    options = options or WriteOptions()
    restored = restored or Restored()
    given = data.model_fields_set
    prepared = prepare(session, actor, data, given, options)
    check_taken(session, actor, prepared, options, exclude=None)
    now = utcnow()
    ws = actor.workspace_id
    row = {name: getattr(data, name) if name in given else None for name in SCALAR_FIELDS}
    row.update(workspace_id=ws, id=restored.id or new_id(), kind=data.kind or "person", merged_into=None,
               social=_drop_nulls(data.social or {}), attributes=_drop_nulls(prepared.attributes or {}),
               extra=_drop_nulls(data.extra or {}), created_at=restored.created_at or now,
               updated_at=restored.updated_at or now)
    # The new contact's view is built from what is written rather than read back.
    view = repo.contact_view(row)
    points = _point_rows(ws, row["id"], prepared, now)
    for p in points:
        repo.add_point_view(view, repo.point_view(p))
    addresses = _new_address_rows(ws, row["id"], data.addresses or [], now)
    if restored.address_ids:
        _keep_address_ids(session, ws, addresses, restored.address_ids)
    view.addresses = [repo.address_view(a) for a in addresses]
    view.list_ids = list(prepared.lists or [])
    view.accounts = [AccountLinkView(a, pos) for a, pos in prepared.accounts or []]
    row["search_text"], row["name_text"] = search_text(view), name_text(view)
    # Straight to the database, one statement per table: through the unit of work the inserts
    # of a create cost several times what SQLite spends on them.
    repo.insert_contact(
        session, row, points, addresses,
        list_members=[{"workspace_id": ws, "list_id": i, "contact_id": row["id"], "created_at": now}
                      for i in view.list_ids],
        account_members=[{"workspace_id": ws, "account_id": a, "contact_id": row["id"], "position": pos,
                          "created_at": now} for a, pos in prepared.accounts or []],
        attribute_values=[{"workspace_id": ws, "contact_id": row["id"], "key": k, "value": v}
                          for k, v in set(attribute_rules.index_pairs(row["attributes"]))],
    )
    events.record(session, actor, "contact", row["id"], "created", changes=view.snapshot())
    identity_index.index_contact(session, ws, view, new=True)
    return view


def update(
    session: Session, actor: Actor, contact_id: uuid.UUID, data: ContactInput, options: WriteOptions | None = None,
    current: ContactView | None = None,
) -> ContactView:
    """Changes the given fields. `current`: the contact as this transaction has just read it,
    when the caller has (an import reads a batch's contacts in one query), so it is not read again."""
    options = options or WriteOptions()
    ws = actor.workspace_id
    # The contact is read whole in one statement and its row changed with one UPDATE, around
    # the unit of work (which costs several times as much): what the session still holds
    # goes to the database first, so these reads see it and nothing stale is written later.
    repo.flush(session)
    before_view = current if current is not None else get(session, actor, contact_id)  # a merged-away id: its survivor
    cid = before_view.id
    given = data.model_fields_set
    before = before_view.snapshot()
    prepared = prepare(session, actor, data, given, options, contact_id=cid)
    check_taken(session, actor, prepared, options, exclude=cid)
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        if name in given:
            value = getattr(data, name)
            if name == "kind" and value is None:
                raise InvalidInput(FieldError("kind", "cannot be null"))
            values[name] = value
    _one_organization_name(before_view, values, given)
    if "social" in given:
        values["social"] = _merge_patch(before_view.social, data.social)
    if "attributes" in given:
        values["attributes"] = _merge_patch(before_view.attributes, prepared.attributes)
    if "extra" in given:
        values["extra"] = _merge_patch(before_view.extra, data.extra)
    if values:
        repo.update_columns(session, ws, cid, values)
    if values.get("kind", before_view.kind) != before_view.kind:
        # members are a group's or an organization's: a contact that is neither now holds no one
        # (every door would otherwise disagree on whom it holds); a group is no organization's member
        repo.delete_relations_from(session, ws, cid)
        if values["kind"] == "group":
            repo.delete_relations_to(session, ws, cid, repo.ORG_MEMBER)
    _store_children(session, actor, before_view, data, prepared, given, values.get("attributes"))
    view = _views(session, actor, [cid])[0]
    after = view.snapshot()
    changes = events.diff(before, after)
    if changes:
        view.updated_at = utcnow()
        repo.update_columns(session, ws, cid, {"updated_at": view.updated_at, "search_text": search_text(view),
                                               "name_text": name_text(view)})
        events.record(session, actor, "contact", cid, "updated", changes=changes)
        # what the identity index holds is made of the profile alone: a change that leaves it
        # as it was (notes, a title, attributes) leaves the index as it is
        if profile_of(view) != profile_of(before_view):
            identity_index.index_contact(session, ws, view)
    return view


def let_go(session: Session, actor: Actor, views: list[ContactView], account_ids: set[uuid.UUID],
           identifier: tuple[str, str] | None = None) -> None:
    """The contacts leave these accounts, and lose the identifier (key, normalized value) when
    they hold it: each contact's change is an `updated` event as `update` records it, but the
    rows of all of them change in a few statements (an account of 50,000 members was deleted
    one `update` at a time: a minute, every other write of the store waiting). Only for
    changes that leave the contacts' identity profiles as they were: memberships, and an
    identifier many share (a data source's), which the identity index does not file."""
    ws = actor.workspace_id
    if identifier is not None and identifier[0] not in SHARED_IDENTIFIER_KEYS:
        raise ValueError(f"{identifier[0]} is filed by the identity index: change it through update()")
    changes: dict[uuid.UUID, dict[str, Any]] = {}
    for view in views:
        after = dataclasses.replace(
            view, accounts=[a for a in view.accounts if a.id not in account_ids],
            identifiers=[p for p in view.identifiers if (p.key, p.normalized) != identifier])
        changed = events.diff(view.snapshot(), after.snapshot())
        if changed:
            changes[view.id] = changed
    if not changes:
        return
    ids = list(changes)
    repo.leave_accounts(session, ws, ids, account_ids)
    if identifier is not None:
        repo.drop_identifier(session, ws, ids, *identifier)
    repo.touch_many(session, ws, ids, utcnow())
    events.record_each(session, actor, "contact", "updated", changes)


def record_moved(session: Session, actor: Actor, moved: list[tuple[ContactView, ContactView]]) -> None:
    """Contacts (before, after) a statement changed their rows in place (an account's positions
    shifted to make room for another member): each one it changed is recorded as `update`
    records a change, its `updated_at` moving, so the feed's followers see it."""
    changes = {after.id: changed for before, after in moved
               if (changed := events.diff(before.snapshot(), after.snapshot()))}
    if changes:
        repo.touch_many(session, actor.workspace_id, list(changes), utcnow())
        events.record_each(session, actor, "contact", "updated", changes)


def delete(session: Session, actor: Actor, contact_id: uuid.UUID) -> None:
    """The contact goes; its `deleted` event keeps it whole, with the links to the groups and
    organizations that held it (or that it held), so core/undelete.py can bring it back."""
    row = live_row(session, actor, contact_id)
    before = _views(session, actor, [row.id])[0].snapshot()
    before["relations"] = [{"from": str(r.from_id), "kind": r.kind, "to": str(r.to_id)}
                           for r in repo.relations_touching(session, actor.workspace_id, row.id)]
    events.record(session, actor, "contact", row.id, "deleted", before=before)
    repo.delete_row(session, row)
    identity_repo.drop_open_reviews(session, actor.workspace_id, [row.id])  # no pair to decide is left


def live_row(session: Session, actor: Actor, contact_id: uuid.UUID) -> Contact:
    """The stored row of a live contact (a merged-away id resolves to its survivor), to change in place."""
    row = repo.get(session, actor.workspace_id, resolve_id(session, actor, contact_id))
    if row is None:
        raise NotFound("contact", contact_id)
    return row


# ---------------------------------------------------------------- checks

def _placed(session: Session, ws: uuid.UUID, contact_id: uuid.UUID | None,
            links: list[tuple[uuid.UUID, int | None]]) -> list[tuple[uuid.UUID, int]]:
    """Each account membership with its position. One named without a position keeps the
    contact where it is in that account (a client writing back the accounts it read, through a
    door that shows no positions, moves no one); in an account it joins, the contact goes after
    the last member (as core.accounts adds a contact with no position)."""
    placed = []
    for account_id, position in links:
        if position is None:
            mine = account_repo.position_of(session, ws, account_id, contact_id) if contact_id else None
            position = mine if mine is not None else account_repo.last_position(session, ws, account_id) + 1
        placed.append((account_id, position))
    return placed


def _one_organization_name(current: ContactView, values: dict[str, Any], given: set[str]) -> None:
    """An organization's name is one name: renamed through a door that writes only its display
    name (PackageX `name`, Bird `displayName`) or only its organization name (NGP VAN
    `commonName`), the other follows where it was set, so every door shows the new name.
    `values` are the columns the update writes; the rule adds to them."""
    if values.get("kind", current.kind) == "person":
        return
    for written, other in (("display_name", "organization_name"), ("organization_name", "display_name")):
        if written in given and other not in given and getattr(current, other) is not None and values.get(written):
            values[other] = values[written]


def prepare(
    session: Session, actor: Actor, data: ContactInput, given: set[str], options: WriteOptions,
    contact_id: uuid.UUID | None = None,
) -> PreparedWrite:
    """Normalize and check every given field; all faults are raised together. Services that
    write points themselves (core/identifiers.py) use it and `check_taken` for the same rules."""
    errors: list[FieldError] = []
    prepared = PreparedWrite()
    region = get_settings().default_region

    if "emails" in given:
        prepared.points["email"] = points = []
        for i, email in enumerate(data.emails or []):
            if not email.address.strip():
                errors.append(FieldError(f"emails[{i}].address", "must not be blank"))
                continue
            try:
                normalized = normalize_email(email.address)
            except ValueError as exc:
                if options.strict_emails:
                    errors.append(FieldError(f"emails[{i}].address", str(exc)))
                    continue
                normalized = loose_email(email.address)
            points.append(PreparedPoint("email", "email", email.address.strip(), normalized, email.type,
                                 email.primary, email.properties, f"emails[{i}].address"))
    if "phones" in given:
        prepared.points["phone"] = points = []
        for i, phone in enumerate(data.phones or []):
            if not phone.number.strip():
                errors.append(FieldError(f"phones[{i}].number", "must not be blank"))
                continue
            try:
                normalized = normalize_phone(phone.number, region)
            except ValueError as exc:
                if options.strict_phones:
                    errors.append(FieldError(f"phones[{i}].number", str(exc)))
                    continue
                normalized = loose_phone(phone.number)
            points.append(PreparedPoint("phone", "phone", with_extension(phone.number.strip(), phone.extension),
                                        normalized, phone.type, phone.primary, phone.properties,
                                        f"phones[{i}].number"))
    if "identifiers" in given:
        prepared.points["identifier"] = points = []
        for i, ident in enumerate(data.identifiers or []):
            point = POINT_KEYS.get(ident.key.lower())
            if point:  # one door's identifier key for emails (Bird's) would be an email there, not here
                errors.append(FieldError(f"identifiers[{i}].key", f"an {point} is no identifier: give it in {point}s"))
                continue
            points.append(PreparedPoint("identifier", ident.key, ident.value, ident.value, None, False,
                                        ident.properties, f"identifiers[{i}].value"))
    if "attributes" in given and data.attributes is not None:
        definitions = simple_repo.definitions(session, actor.workspace_id) if data.attributes else {}
        try:
            prepared.attributes = attribute_rules.coerce_all(
                definitions, data.attributes, options.allow_undefined_attributes
            )
        except InvalidInput as exc:
            errors.extend(exc.errors)
        if not options.write_read_only and prepared.attributes is not None:
            errors.extend(_read_only_written(session, actor, definitions, prepared.attributes, contact_id))
    if "lists" in given:
        wanted = list(dict.fromkeys(data.lists or []))
        known = simple_repo.existing_list_ids(session, actor.workspace_id, wanted)
        errors.extend(FieldError(f"lists[{i}]", f"no list {lid}") for i, lid in enumerate(wanted) if lid not in known)
        prepared.lists = wanted
    if "accounts" in given:
        links = data.accounts or []
        known = simple_repo.existing_account_ids(session, actor.workspace_id, [a.id for a in links])
        errors.extend(
            FieldError(f"accounts[{i}].id", f"no account {a.id}") for i, a in enumerate(links) if a.id not in known
        )
        # an account named twice is one membership (the first one's position), as lists are
        firsts = {a.id: a for a in reversed(links)}
        prepared.accounts = _placed(session, actor.workspace_id, contact_id,
                                    [(a.id, a.position) for a in links if firsts[a.id] is a and a.id in known])
    if "addresses" in given:
        existing = repo.addresses_of(session, actor.workspace_id, contact_id) if contact_id else {}
        errors.extend(
            FieldError(f"addresses[{i}].id", f"no address {a.id} on this contact")
            for i, a in enumerate(data.addresses or []) if a.id is not None and a.id not in existing
        )
        errors.extend(
            FieldError(f"addresses[{i}]", "is empty: give a line, a city, a region, a postal code or a country")
            for i, a in enumerate(data.addresses or [])
            if not any((getattr(a, name) or "").strip() for name in ADDRESS_CONTENT)
        )
    if errors:
        raise InvalidInput(errors)
    for kind, points in prepared.points.items():
        prepared.points[kind] = _deduplicated(points)
    return prepared


def check_taken(session: Session, actor: Actor, prepared: PreparedWrite, options: WriteOptions, exclude) -> None:
    """An email, phone or identifier already on another contact is a conflict, unless the
    caller asked to create anyway. Identifiers are compared within their key; one that many
    contacts hold alike (a ChartMogul data source) is no one's alone."""
    if options.on_duplicate in ("create", "review"):
        return
    mine = [p for points in prepared.points.values() for p in points
            if not (p.kind == "identifier" and p.key in SHARED_IDENTIFIER_KEYS)]
    owners = repo.owners_of_points(session, actor.workspace_id, ((p.kind, p.key, p.normalized) for p in mine))
    for point in mine:
        holders = owners.get((point.kind, point.key, point.normalized), [])
        if exclude is not None and exclude in holders:
            continue  # one the contact keeps: shared already (a door that allows it wrote both), not taken now
        others = [c for c in holders if c != exclude]
        if others:
            label = {"email": "email", "phone": "phone"}.get(point.kind, f"identifier {point.key}")
            raise Conflict(
                f"{label} {point.normalized} already belongs to contact {others[0]}",
                field=point.path, existing_id=others[0],
            )


def _read_only_written(session: Session, actor: Actor, definitions: dict, values: dict[str, Any],
                       contact_id: uuid.UUID | None) -> list[FieldError]:
    """The attributes of read-only definitions that this write would change."""
    locked = [k for k in values if k in definitions and definitions[k].read_only]
    if not locked:
        return []
    stored = _views(session, actor, [contact_id])[0].attributes if contact_id else {}
    return [FieldError(f"attributes.{k}", "is read-only") for k in locked if stored.get(k) != values[k]]


def _deduplicated(points: list[PreparedPoint]) -> list[PreparedPoint]:
    """One point per value (per key for identifiers), and exactly one primary where there are any."""
    seen, kept = set(), []
    for p in points:
        if (p.key, p.normalized) not in seen:
            seen.add((p.key, p.normalized))
            kept.append(p)
    if kept and kept[0].kind != "identifier":
        first_primary = next((i for i, p in enumerate(kept) if p.primary), 0)
        for i, p in enumerate(kept):
            p.primary = i == first_primary
    return kept


# ---------------------------------------------------------------- storing

def _store_children(session: Session, actor: Actor, current: ContactView, data: ContactInput,
                    prepared: PreparedWrite, given, attributes: dict[str, Any] | None) -> None:
    """Replaces the collections the update names; the others stay as they are. `attributes`:
    the contact's attributes as written, when the update names them (their filter index)."""
    ws = actor.workspace_id
    contact_id = current.id
    now = utcnow()
    for kind in prepared.points:
        repo.delete_points(session, ws, contact_id, kind)
    # An email, phone or identifier written again keeps its id and age, and a phone written in
    # E.164 (as most doors show it) the spelling it was typed in (as NGP VAN shows it): writing
    # back what a door shows changes nothing (no event, no new updated_at), and ids kept hold.
    held = {(p.kind, p.key, p.normalized): p for p in (*current.emails, *current.phones, *current.identifiers)}
    rows = _point_rows(ws, contact_id, prepared, now)
    for row in rows:
        was = held.pop((row["kind"], row["key"], row["normalized"]), None)
        if was is not None:
            row["id"], row["created_at"] = was.id, was.created_at
            if row["kind"] == "phone" and row["value"] == row["normalized"]:
                row["value"] = was.value
    repo.insert_points(session, rows)
    if "addresses" in given:
        existing = repo.addresses_of(session, ws, contact_id)
        keep = {a.id for a in data.addresses or [] if a.id is not None}
        for address_id, row in existing.items():
            if address_id not in keep:
                repo.delete_row(session, row)
        session.add_all(a for a in _address_rows(ws, contact_id, data.addresses or [], existing, now)
                        if a.id not in existing)
    if prepared.lists is not None:
        repo.replace_list_memberships(session, ws, contact_id, prepared.lists)
    if prepared.accounts is not None:
        repo.replace_account_memberships(session, ws, contact_id, prepared.accounts)
    if attributes is not None:
        repo.replace_attribute_index(session, ws, contact_id, attribute_rules.index_pairs(attributes))


def _point_rows(ws: uuid.UUID, contact_id: uuid.UUID, prepared: PreparedWrite, now) -> list[dict]:
    return [
        {"workspace_id": ws, "id": new_id(), "contact_id": contact_id, "kind": p.kind, "key": p.key,
         "value": p.value, "normalized": p.normalized, "type": p.type, "is_primary": p.primary, "position": i,
         "properties": p.properties, "created_at": now}
        for points in prepared.points.values()
        for i, p in enumerate(points)
    ]


def _new_address_rows(ws, contact_id, wanted: list, now) -> list[dict]:
    """A new contact's address rows (columns), in the given order."""
    first_primary = _first_primary(wanted)
    return [{"workspace_id": ws, "id": new_id(), "contact_id": contact_id, **a.model_dump(exclude={"id", "primary"}),
             "is_primary": i == first_primary, "position": i, "created_at": now} for i, a in enumerate(wanted)]


def _keep_address_ids(session: Session, ws: uuid.UUID, addresses: list[dict], ids: list[uuid.UUID | None]) -> None:
    """Gives new address rows the ids they had where they were exported, each one that no address
    of the workspace (nor an earlier row) holds."""
    held = repo.existing_address_ids(session, ws, [i for i in ids if i is not None])
    for address, kept in zip(addresses, ids):
        if kept is not None and kept not in held:
            address["id"] = kept
            held.add(kept)


def _first_primary(wanted: list) -> int:
    """Which of the addresses given is the primary: the first marked so, else the first."""
    return next((i for i, a in enumerate(wanted) if a.primary), 0)


def _address_rows(ws, contact_id, wanted: list, existing: dict, now) -> list[Address]:
    """Address rows in the given order; one given with the id of an existing one updates it in place."""
    rows = []
    first_primary = _first_primary(wanted)
    for i, a in enumerate(wanted):
        row = existing.get(a.id) if a.id else None
        if row is None:
            row = Address(workspace_id=ws, id=new_id(), contact_id=contact_id, created_at=now)
        for name, value in a.model_dump(exclude={"id", "primary"}).items():
            setattr(row, name, value)
        row.is_primary = i == first_primary
        row.position = i
        rows.append(row)
    return rows


# ---------------------------------------------------------------- helpers

def search_text(view: ContactView) -> str:
    """Names, emails and phones, folded: what `q` searches (import_rows.derive writes the same)."""
    return normalize.searchable(
        view.display_name, view.first_name, view.middle_name, view.last_name, view.nickname,
        view.organization_name, view.official_name, view.employer,
        *(p.normalized for p in view.emails), *(p.normalized for p in view.phones),
    )


def name_text(view: ContactView) -> str:
    """Its names, folded: what the `name` filter searches (import_rows.derive writes the same)."""
    return normalize.searchable_names(view.display_name, view.first_name, view.middle_name, view.last_name,
                                      view.nickname, view.organization_name)


def _drop_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _merge_patch(current: dict[str, Any] | None, patch: dict[str, Any] | None) -> dict[str, Any]:
    """RFC 7396 at one level: null clears all, a key set to null is removed, others replace."""
    if patch is None:
        return {}
    merged = dict(current or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
