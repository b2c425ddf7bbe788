"""Contact points one at a time, and lookups by them.

Finds the contact behind an email, a phone or a keyed identifier; adds or removes single points
without rewriting the others (so each keeps its id and creation time); applies a change given as
deltas (points, lists and accounts to add or remove); and upserts by identifier with one of three
strategies. Normalization and the uniqueness rule are the contact service's own, so a point
written here is the same identity as one written through any other door.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session

from contacthub.core import contacts, events, identity_index
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound, reason_of
from contacthub.core.inputs import MAX_POINTS_PER_KIND, ContactInput, WriteOptions
from contacthub.core.normalize import normalize_email, normalize_phone
from contacthub.core.pagination import decode_cursor, encode_cursor
from contacthub.core.views import ContactView, Page, PointView
from contacthub.db.models import ContactPoint
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import identifiers as repo
from contacthub.settings import get_settings

PointKind = Literal["email", "phone", "identifier"]
Strategy = Literal["strict_alias", "first_alias", "first"]


@dataclass
class PointRef:
    """One point as a door names it. `key` is the identifier's key (unused for email/phone);
    `path` is where it sits in the caller's input, for error messages."""

    kind: PointKind
    value: str
    key: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    path: str = ""


@dataclass
class ContactChange:
    """A write expressed as deltas. `data` is applied like contacts.update (absent = unchanged);
    the add/remove lists are applied on top of what the contact has (or of `data.lists` /
    `data.accounts` when those are given too)."""

    data: ContactInput = field(default_factory=ContactInput)
    add_points: list[PointRef] = field(default_factory=list)
    remove_points: list[PointRef] = field(default_factory=list)
    add_lists: list[uuid.UUID] = field(default_factory=list)
    remove_lists: list[uuid.UUID] = field(default_factory=list)
    add_accounts: list[uuid.UUID] = field(default_factory=list)
    remove_accounts: list[uuid.UUID] = field(default_factory=list)


# ---------------------------------------------------------------- lookups

def normalized(refs: list[PointRef]) -> list["contacts.PreparedPoint"]:
    """The refs in stored form; every fault is raised together, under the refs' own paths."""
    region = get_settings().default_region
    errors: list[FieldError] = []
    points = []
    for ref in refs:
        # Identifier values are kept exactly as given, as the contact service keeps them.
        value = ref.value if ref.kind == "identifier" else ref.value.strip()
        try:
            if ref.kind == "email":
                norm = normalize_email(value)
            elif ref.kind == "phone":
                norm = normalize_phone(value, region)
            else:
                if not ref.key:
                    raise ValueError("an identifier needs a key")
                norm = value
            if not value:
                raise ValueError("must not be empty")
        except ValueError as exc:
            errors.append(FieldError(ref.path or "value", str(exc)))
            continue
        key = ref.key if ref.kind == "identifier" else ref.kind
        points.append(contacts.PreparedPoint(ref.kind, key, value, norm, None, False, dict(ref.properties), ref.path))
    if errors:
        raise InvalidInput(errors)
    return points


def owners(session: Session, actor: Actor, refs: list[PointRef]) -> list[uuid.UUID | None]:
    """For each ref, the live contact carrying it (the oldest, should several), or None."""
    points = normalized(refs)
    wanted = [(p.kind, p.key, p.normalized) for p in points]
    ids = contact_repo.owners_of_points(session, actor.workspace_id, wanted)
    return [ids[w][0] if ids.get(w) else None for w in wanted]


def find(session: Session, actor: Actor, ref: PointRef) -> ContactView | None:
    owner = owners(session, actor, [ref])[0]
    return contacts.get(session, actor, owner) if owner else None


def holders(session: Session, actor: Actor, ref: PointRef, limit: int = 100) -> list[ContactView]:
    """Every live contact carrying the point, oldest first (at most `limit`): one, where a door
    keeps each unique, but a household's email written through a door that lets two contacts
    share it is carried by both."""
    [point] = normalized([ref])
    wanted = (point.kind, point.key, point.normalized)
    ids = contact_repo.owners_of_points(session, actor.workspace_id, [wanted]).get(wanted, [])
    return contacts.get_many(session, actor, ids[:limit])


def known_contacts(
    session: Session, actor: Actor, contact_ids: list[uuid.UUID], refs: list[PointRef]
) -> list[uuid.UUID]:
    """The live contacts named by ids or by points, in order, without repeats; unknown ones are
    left out (the caller reports how many were processed)."""
    found: list[uuid.UUID] = []
    for contact_id in contact_ids:
        try:
            found.append(contacts.resolve_id(session, actor, contact_id))
        except NotFound:
            continue
    found.extend(owner for owner in owners(session, actor, refs) if owner is not None)
    return list(dict.fromkeys(found))


def page_points(
    session: Session, actor: Actor, contact_id: uuid.UUID, cursor: str | None, limit: int, descending: bool = False
) -> Page:
    contact_id = contacts.resolve_id(session, actor, contact_id)
    rows = repo.page_points(session, actor.workspace_id, contact_id, decode_cursor(cursor), limit + 1, descending)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([_point_view(r) for r in rows], encode_cursor(rows[-1].id) if more and rows else None)


# ---------------------------------------------------------------- writing

def create(session: Session, actor: Actor, change: ContactChange, options: WriteOptions | None = None) -> ContactView:
    """A new contact from a change: the points to add become its points, the lists and
    accounts to add its memberships."""
    options = options or WriteOptions()
    fields = change.data.model_dump(exclude_unset=True)
    _apply_membership_deltas(fields, change, [], [])
    # Faults and conflicts are reported under the caller's own paths before the contact service
    # (which names them by its own fields) sees them.
    _check_all(session, actor, _rebuild(fields), change.add_points, options)
    by_kind: dict[str, list] = defaultdict(list)
    for point in _locked(session, actor, normalized(change.add_points)):
        by_kind[point.kind].append(point)
    contacts.check_taken(session, actor, contacts.PreparedWrite(points=dict(by_kind)), options, exclude=None)
    for kind, name, item in (
        ("email", "emails", lambda r: {"address": r.value, "properties": r.properties}),
        ("phone", "phones", lambda r: {"number": r.value, "properties": r.properties}),
        ("identifier", "identifiers", lambda r: {"key": r.key, "value": r.value, "properties": r.properties}),
    ):
        chosen = [item(r) for r in change.add_points if r.kind == kind]
        if chosen:
            fields[name] = [*(fields.get(name) or []), *chosen]
    return contacts.create(session, actor, _rebuild(fields), options)


def apply(
    session: Session, actor: Actor, contact_id: uuid.UUID, change: ContactChange, options: WriteOptions | None = None
) -> ContactView:
    """Update a contact with a change given as deltas, in the caller's transaction."""
    options = options or WriteOptions()
    view = contacts.get(session, actor, contact_id)
    contact_id = view.id
    fields = change.data.model_dump(exclude_unset=True)
    _apply_membership_deltas(fields, change, view.list_ids, [(a.id, a.position) for a in view.accounts])
    data = _rebuild(fields)
    _check_all(session, actor, data, [*change.add_points, *change.remove_points], options, contact_id)
    if data.model_fields_set:
        view = contacts.update(session, actor, contact_id, data, options)
    if change.add_points or change.remove_points:
        view = change_points(session, actor, contact_id, change.add_points, change.remove_points, options)
    return view


def change_points(
    session: Session, actor: Actor, contact_id: uuid.UUID, add: list[PointRef], remove: list[PointRef],
    options: WriteOptions | None = None,
) -> ContactView:
    """Remove, then add single points. A point the contact already has is kept as it is; one on
    another contact is a conflict unless the caller writes duplicates anyway."""
    options = options or WriteOptions()
    ws = actor.workspace_id
    row = contacts.live_row(session, actor, contact_id)
    before = contacts.get_many(session, actor, [row.id])[0].snapshot()
    adding, removing = _locked(session, actor, normalized(add)), normalized(remove)
    gone = {(p.kind, p.key, p.normalized) for p in removing}
    existing = repo.points_of(session, ws, row.id)
    kept = []
    for point in existing:
        if (point.kind, point.key, point.normalized) in gone:
            session.delete(point)
        else:
            kept.append(point)
    have = {(p.kind, p.key, p.normalized) for p in kept}
    new = []
    for point in adding:
        if (point.kind, point.key, point.normalized) not in have:
            have.add((point.kind, point.key, point.normalized))
            new.append(point)
    by_kind: dict[str, list] = defaultdict(list)
    for point in new:
        by_kind[point.kind].append(point)
    contacts.check_taken(session, actor, contacts.PreparedWrite(points=dict(by_kind)), options, exclude=row.id)
    errors = [
        FieldError(points[0].path or kind, f"a contact has at most {MAX_POINTS_PER_KIND} points of kind {kind}")
        for kind, points in by_kind.items()
        if sum(1 for p in kept if p.kind == kind) + len(points) > MAX_POINTS_PER_KIND
    ]
    if errors:
        raise InvalidInput(errors)
    session.flush()
    for point in new:
        session.add(ContactPoint(
            workspace_id=ws, id=new_id(), contact_id=row.id, kind=point.kind, key=point.key, value=point.value,
            normalized=point.normalized, type=None, is_primary=False,
            position=repo.next_position(session, ws, row.id, point.kind), properties=point.properties,
        ))
        session.flush()
    _one_primary_per_kind(repo.points_of(session, ws, row.id))
    session.flush()
    view = contacts.get_many(session, actor, [row.id])[0]
    changes = events.diff(before, view.snapshot())
    if changes:
        row.updated_at = view.updated_at = utcnow()
        row.search_text, row.name_text = contacts.search_text(view), contacts.name_text(view)
        events.record(session, actor, "contact", row.id, "updated", changes=changes)
        # the identity engine finds the contact by its new points too (as contacts.update does)
        identity_index.index_contact(session, ws, view)
    return view


def add_point(session: Session, actor: Actor, contact_id: uuid.UUID, ref: PointRef) -> PointView:
    """Add one point (kept as it is when the contact has it already) and return it."""
    view = change_points(session, actor, contact_id, [ref], [])
    wanted = normalized([ref])[0]
    for point in [*view.emails, *view.phones, *view.identifiers]:
        if (point.kind, point.key, point.normalized) == (wanted.kind, wanted.key, wanted.normalized):
            return point
    raise NotFound("identifier", ref.value)  # unreachable: the point was just stored


def remove_point(session: Session, actor: Actor, contact_id: uuid.UUID, ref: PointRef) -> ContactView:
    """Remove one point; NotFound when the contact does not have it."""
    wanted = normalized([ref])[0]
    view = contacts.get(session, actor, contact_id)
    if not any(
        (p.kind, p.key, p.normalized) == (wanted.kind, wanted.key, wanted.normalized)
        for p in [*view.emails, *view.phones, *view.identifiers]
    ):
        raise NotFound("identifier", f"{wanted.key}/{ref.value}")
    return change_points(session, actor, view.id, [], [ref])


def upsert(
    session: Session, actor: Actor, refs: list[PointRef], strategy: Strategy, change: ContactChange,
    options: WriteOptions | None = None,
) -> tuple[ContactView, bool]:
    """Update the contact the refs point at, or create one; answers (contact, created).

    strict_alias: every ref that matches must match the same contact (else Conflict); the
    unmatched refs are added to it. first_alias: the first ref that matches wins; the unmatched
    refs are added, those on other contacts are left where they are. first: the first match
    wins and nothing is added. With no match a contact is created with all the refs (with only
    the first under `first`).
    """
    _locked(session, actor, normalized(refs))  # two upserts of one new identifier make one contact
    found = owners(session, actor, refs)
    matched = [owner for owner in found if owner is not None]
    if not matched:
        chosen = refs[:1] if strategy == "first" else refs
        return create(session, actor, replace(change, add_points=chosen), options), True
    target = matched[0]
    if strategy == "strict_alias":
        others = [(ref, owner) for ref, owner in zip(refs, found) if owner is not None and owner != target]
        if others:
            ref, owner = others[0]
            raise Conflict(
                f"identifier {ref.key or ref.kind} {ref.value} belongs to contact {owner}, "
                f"not to contact {target} like the others", field=ref.path, existing_id=owner,
            )
    to_add = [] if strategy == "first" else [ref for ref, owner in zip(refs, found) if owner is None]
    return apply(session, actor, target, replace(change, add_points=to_add), options), False


# ---------------------------------------------------------------- helpers

def _locked(session: Session, actor: Actor, points: list) -> list:
    repo.lock_points(session, actor.workspace_id, [(p.kind, p.key, p.normalized) for p in points])
    return points


def _check_all(
    session: Session, actor: Actor, data: ContactInput, refs: list[PointRef], options: WriteOptions,
    contact_id: uuid.UUID | None = None,
) -> None:
    """Raise every fault of a write at once: the points' and, when there are any, those the
    contact service finds in the other fields (it checks them without writing)."""
    try:
        normalized(refs)
    except InvalidInput as exc:
        errors = list(exc.errors)
        try:
            contacts.prepare(session, actor, data, data.model_fields_set, options, contact_id=contact_id)
        except InvalidInput as other:
            errors.extend(other.errors)
        raise InvalidInput(errors) from None


def _apply_membership_deltas(
    fields: dict[str, Any], change: ContactChange, current_lists: list[uuid.UUID],
    current_accounts: list[tuple[uuid.UUID, int]],
) -> None:
    if change.add_lists or change.remove_lists:
        base = fields["lists"] if "lists" in fields else current_lists
        drop = set(change.remove_lists)
        fields["lists"] = [i for i in dict.fromkeys([*(base or []), *change.add_lists]) if i not in drop]
    if change.add_accounts or change.remove_accounts:
        if "accounts" in fields:
            base = [(a["id"], a.get("position")) for a in fields["accounts"] or []]
        else:
            base = current_accounts
        links = dict(base)
        for account_id in change.add_accounts:
            links.setdefault(account_id, None)
        drop = set(change.remove_accounts)
        fields["accounts"] = [{"id": i, "position": p} for i, p in links.items() if i not in drop]


def _rebuild(fields: dict[str, Any]) -> ContactInput:
    try:
        return ContactInput.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput([
            FieldError(".".join(str(part) for part in e["loc"]), reason_of(e)) for e in exc.errors()
        ]) from None


def _one_primary_per_kind(points: list[ContactPoint]) -> None:
    """Emails and phones keep exactly one primary: the current one, else the first by position."""
    by_kind: dict[str, list[ContactPoint]] = defaultdict(list)
    for point in points:
        if point.kind in ("email", "phone"):
            by_kind[point.kind].append(point)
    for group in by_kind.values():
        group.sort(key=lambda p: p.position)
        primary = next((p for p in group if p.is_primary), group[0])
        for point in group:
            point.is_primary = point is primary


def _point_view(row: ContactPoint) -> PointView:
    return PointView(row.id, row.kind, row.key, row.value, row.normalized, row.type, row.is_primary,
                     row.properties or {}, row.created_at)
