"""Merging two contacts into one, and undoing it.

A merge keeps the survivor's id. The loser's emails, phones, identifiers and addresses move
over (as the same rows, so their ids survive), its lists, accounts and relations are added,
the survivor's empty fields are filled from it, and the loser stays behind as a tombstone
(`merged_into`) so its id still resolves. The event records the before-state of both and
exactly what moved, which is what unmerge plays back.
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core import attributes as attribute_rules
from contacthub.core import contacts, events, identity_index
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound
from contacthub.core.inputs import MAX_ADDRESSES, MAX_POINTS_PER_KIND, SCALAR_FIELDS
from contacthub.core.views import ContactView
from contacthub.db.models import AccountMember, ContactPoint, ListMember, Relation
from contacthub.db.types import utcnow
from contacthub.repositories import contacts as repo
from contacthub.repositories import identity as identity_repo
from contacthub.repositories import simple as simple_repo

MERGED = "merged"
MERGED_INTO = "merged_into"
UNMERGED = "unmerged"


def _check_room(have: dict, theirs: list, addresses: int, their_addresses: int) -> None:
    """A merged contact holds no more than any contact may (what a write of it would refuse,
    it could never be written back): InvalidInput naming the kind that would overflow."""
    errors = []
    for kind, plural in (("email", "emails"), ("phone", "phones"), ("identifier", "identifiers")):
        count = sum(1 for k in have if k[0] == kind) + \
            sum(1 for p in theirs if p.kind == kind and (p.kind, p.key, p.normalized) not in have)
        if count > MAX_POINTS_PER_KIND:
            errors.append(FieldError(plural, f"a contact holds at most {MAX_POINTS_PER_KIND} {plural}; "
                                             f"merged, this one would hold {count}"))
    if addresses + their_addresses > MAX_ADDRESSES:
        errors.append(FieldError("addresses", f"a contact holds at most {MAX_ADDRESSES} addresses; "
                                              f"merged, this one would hold {addresses + their_addresses}"))
    if errors:
        raise InvalidInput(errors)


def merge(session: Session, actor: Actor, survivor_id: uuid.UUID, loser_id: uuid.UUID) -> ContactView:
    ws = actor.workspace_id
    survivor = repo.get(session, ws, contacts.resolve_id(session, actor, survivor_id))
    loser = repo.get(session, ws, contacts.resolve_id(session, actor, loser_id))
    if survivor.id == loser.id:
        if loser_id != survivor_id:  # `from` resolved to the survivor: it was merged into it before
            raise Conflict(f"contact {loser_id} is merged into {survivor.id} already", field="from")
        raise InvalidInput(FieldError("from", "a contact cannot be merged into itself"))
    if (survivor.kind == "person") != (loser.kind == "person"):  # as the identity engine never pairs them
        raise Conflict(f"a {loser.kind} cannot be merged into a {survivor.kind}", field="from")
    survivor_before, loser_before = (v.snapshot() for v in contacts.get_many(session, actor, [survivor.id, loser.id]))
    moved: dict[str, Any] = {"from": str(loser.id), "filled": [], "moved_points": [], "dropped_points": [],
                             "moved_addresses": [], "added_lists": [], "added_accounts": [], "moved_relations": []}

    # the survivor's name stays what it shows: a display name of the loser's fills in only where
    # the survivor has no name at all
    named = any(getattr(survivor, n) not in (None, "") for n in ("first_name", "last_name", "organization_name"))
    for name in SCALAR_FIELDS:
        if name == "kind" or (name == "display_name" and named):
            continue
        if getattr(survivor, name) in (None, "") and getattr(loser, name) not in (None, ""):
            setattr(survivor, name, getattr(loser, name))
            moved["filled"].append(name)
    for name in ("social", "attributes", "extra"):
        mine, theirs = dict(getattr(survivor, name) or {}), getattr(loser, name) or {}
        added = [k for k in theirs if k not in mine]
        if added:
            setattr(survivor, name, {**mine, **{k: theirs[k] for k in added}})
            moved["filled"] += [f"{name}.{k}" for k in added]

    have = {(p.kind, p.key, p.normalized): p for p in repo.points_of(session, ws, survivor.id)}
    theirs = repo.points_of(session, ws, loser.id)
    _check_room(have, theirs, len(repo.addresses_of(session, ws, survivor.id)),
                len(repo.addresses_of(session, ws, loser.id)))
    offset = len(have)
    for p in theirs:
        if (p.kind, p.key, p.normalized) in have:
            moved["dropped_points"].append(_point_record(p))
            _enrich_point(have[(p.kind, p.key, p.normalized)], p, moved)
            repo.delete_row(session, p)
        else:
            # the survivor's primary stays primary; where it has none of this kind, the loser's does
            keep_primary = p.is_primary and not any(k[0] == p.kind for k in have)
            p.contact_id, p.is_primary, p.position = survivor.id, keep_primary, p.position + offset
            moved["moved_points"].append(str(p.id))
    had_addresses = bool(repo.addresses_of(session, ws, survivor.id))
    for a in repo.addresses_of(session, ws, loser.id).values():
        a.contact_id, a.is_primary, a.position = survivor.id, a.is_primary and not had_addresses, a.position + 100
        moved["moved_addresses"].append(str(a.id))

    survivor_lists = {m.list_id for m in repo.list_memberships(session, ws, survivor.id)}
    for m in repo.list_memberships(session, ws, loser.id):
        if m.list_id not in survivor_lists:
            session.add(ListMember(workspace_id=ws, list_id=m.list_id, contact_id=survivor.id))
            moved["added_lists"].append(str(m.list_id))
        repo.delete_row(session, m)
    survivor_accounts = {m.account_id for m in repo.account_memberships(session, ws, survivor.id)}
    for m in repo.account_memberships(session, ws, loser.id):
        if m.account_id not in survivor_accounts:
            session.add(AccountMember(workspace_id=ws, account_id=m.account_id, contact_id=survivor.id,
                                      position=m.position))
            moved["added_accounts"].append(str(m.account_id))
        repo.delete_row(session, m)
    moved["moved_relations"] = _repoint_relations(session, ws, loser.id, survivor.id)

    # the pair waiting in the review queue, if it was, is decided now; the loser's other open
    # pairs are the survivor's now (accepting one merges what the reviewer saw)
    identity_repo.settle_open_pair(session, ws, survivor.id, loser.id, utcnow())
    identity_repo.follow_merge_in_open_pairs(session, ws, loser.id, survivor.id)
    moved["repointed"] = []  # what had merged into the loser now resolves straight to the survivor
    for older in repo.tombstones_pointing_at(session, ws, loser.id):
        older.merged_into = survivor.id
        moved["repointed"].append(str(older.id))
    loser.merged_into = survivor.id
    loser.search_text = loser.name_text = ""
    repo.replace_attribute_index(session, ws, loser.id, [])
    repo.replace_attribute_index(session, ws, survivor.id, attribute_rules.index_pairs(survivor.attributes))
    session.flush()

    view = contacts.get_many(session, actor, [survivor.id])[0]
    survivor.updated_at = view.updated_at = utcnow()
    survivor.search_text, survivor.name_text = contacts.search_text(view), contacts.name_text(view)
    events.record(session, actor, "contact", survivor.id, MERGED, changes=moved,
                  before={"survivor": survivor_before, "loser": loser_before})
    events.record(session, actor, "contact", loser.id, MERGED_INTO, changes={"into": str(survivor.id)})
    identity_index.on_merge(session, ws, view, loser.id)
    return view


def unmerge(session: Session, actor: Actor, survivor_id: uuid.UUID, loser_id: uuid.UUID) -> tuple[ContactView, ContactView]:
    """Plays the merge event back: the loser comes back with its own id and data, and what it
    brought is taken off the survivor. Changes made to the survivor since then are kept."""
    ws = actor.workspace_id
    survivor = repo.get(session, ws, survivor_id)
    loser = repo.get(session, ws, loser_id)
    if survivor is None or loser is None:
        raise NotFound("contact", survivor_id if survivor is None else loser_id)
    event = repo.last_event(session, ws, survivor.id, MERGED, "from", str(loser.id))
    if event is None or loser.merged_into != survivor.id:
        raise Conflict(f"contact {loser.id} is not merged into {survivor.id}", field="from")
    moved, before = event.changes, event.before["loser"]

    for name in moved["filled"]:
        if "." in name:
            group, key = name.split(".", 1)
            current = dict(getattr(survivor, group) or {})
            if current.get(key) == (before.get(group) or {}).get(key):
                current.pop(key, None)
                setattr(survivor, group, current)
        elif getattr(survivor, name) == _scalar(before, name):
            setattr(survivor, name, None)
    taken = set()
    for p in repo.points_by_id(session, ws, [uuid.UUID(i) for i in moved["moved_points"]]):
        if p.contact_id == survivor.id:
            p.contact_id = loser.id
            taken.add((p.kind, p.key, p.normalized))
    _take_back_by_value(session, ws, survivor.id, loser.id, moved, before, event.before["survivor"], taken)
    for record in moved["dropped_points"]:
        session.add(ContactPoint(workspace_id=ws, contact_id=loser.id, **_point_from_record(record)))
    _restore_enriched_points(session, ws, survivor.id, moved.get("enriched_points", []))
    for a in repo.addresses_by_id(session, ws, [uuid.UUID(i) for i in moved["moved_addresses"]]):
        if a.contact_id == survivor.id:
            a.contact_id = loser.id
    _restore_primary_flags(session, ws, loser.id, before)
    _restore_memberships(session, ws, survivor.id, loser.id, moved, before)
    for r in moved["moved_relations"]:
        _move_relation_back(session, ws, r, survivor.id, loser.id)

    loser.merged_into = None
    for older in repo.contacts_by_id(session, ws, [uuid.UUID(i) for i in moved.get("repointed", [])]):
        if older.merged_into == survivor.id:
            older.merged_into = loser.id  # they resolve to the loser again, and can be unmerged from it
    session.flush()
    survivor_view, loser_view = contacts.get_many(session, actor, [survivor.id, loser.id])
    now = utcnow()
    for row, view in ((survivor, survivor_view), (loser, loser_view)):
        row.updated_at = view.updated_at = now
        row.search_text, row.name_text = contacts.search_text(view), contacts.name_text(view)
        repo.replace_attribute_index(session, ws, row.id, attribute_rules.index_pairs(row.attributes))
    identity_repo.reopen_pair(session, ws, survivor.id, loser.id)  # two again: a reviewer may decide anew
    events.record(session, actor, "contact", survivor.id, UNMERGED, changes={"restored": str(loser.id)})
    events.record(session, actor, "contact", loser.id, UNMERGED, changes={"from": str(survivor.id)})
    identity_index.on_unmerge(session, ws, survivor_view, loser_view)
    return survivor_view, loser_view


# ---------------------------------------------------------------- helpers

def _take_back_by_value(session: Session, ws, survivor_id, loser_id, moved: dict, loser_before: dict,
                        survivor_before: dict, taken: set) -> None:
    """The emails, phones and identifiers the loser brought that the survivor holds under new
    rows (a PATCH writes a contact's points anew, an undelete too) go back to the loser, found
    by their value: those the survivor did not have before the merge."""
    moved_ids = set(moved["moved_points"])
    brought = {(p["kind"], p["key"], p["normalized"]) for group in ("emails", "phones", "identifiers")
               for p in loser_before.get(group) or [] if p["id"] in moved_ids}
    had = {(p["kind"], p["key"], p["normalized"]) for group in ("emails", "phones", "identifiers")
           for p in survivor_before.get(group) or []}
    wanted = brought - had - taken
    if not wanted:
        return
    kept = []
    for p in repo.points_of(session, ws, survivor_id):
        if (p.kind, p.key, p.normalized) in wanted:
            p.contact_id, p.is_primary = loser_id, False
        else:
            kept.append(p)
    for kind in ("email", "phone"):  # the survivor keeps a primary of each kind it still has
        own = [p for p in kept if p.kind == kind]
        if own and not any(p.is_primary for p in own):
            own[0].is_primary = True


def _repoint_relations(session: Session, ws, loser_id, survivor_id) -> list[dict]:
    """Relations of the loser now point at the survivor (the old rows are replaced: they are keyed by the ends)."""
    moved = []
    existing = {(r.from_id, r.kind, r.to_id) for r in repo.relations_touching(session, ws, survivor_id)}
    for r in repo.relations_touching(session, ws, loser_id):
        record = {"from_id": str(r.from_id), "kind": r.kind, "to_id": str(r.to_id)}
        new_from = survivor_id if r.from_id == loser_id else r.from_id
        new_to = survivor_id if r.to_id == loser_id else r.to_id
        repo.delete_row(session, r)
        if new_from != new_to and (new_from, r.kind, new_to) not in existing:
            session.add(Relation(workspace_id=ws, from_id=new_from, kind=r.kind, to_id=new_to))
            existing.add((new_from, r.kind, new_to))
            record["added"] = True
        moved.append(record)
    session.flush()
    return moved


def _move_relation_back(session: Session, ws, record: dict, survivor_id, loser_id) -> None:
    original = (uuid.UUID(record["from_id"]), record["kind"], uuid.UUID(record["to_id"]))
    if record.get("added"):
        now_from = survivor_id if original[0] == loser_id else original[0]
        now_to = survivor_id if original[2] == loser_id else original[2]
        current = session.get(Relation, (ws, now_from, original[1], now_to))
        if current is not None:
            repo.delete_row(session, current)
            session.flush()
    if session.get(Relation, (ws, *original)) is None:
        session.add(Relation(workspace_id=ws, from_id=original[0], kind=original[1], to_id=original[2]))


def _restore_memberships(session: Session, ws, survivor_id, loser_id, moved: dict, before: dict) -> None:
    for list_id in moved["added_lists"]:
        member = session.get(ListMember, (ws, uuid.UUID(list_id), survivor_id))
        if member is not None:
            repo.delete_row(session, member)
    for account_id in moved["added_accounts"]:
        member = session.get(AccountMember, (ws, uuid.UUID(account_id), survivor_id))
        if member is not None:
            repo.delete_row(session, member)
    session.flush()
    lists = [uuid.UUID(i) for i in before.get("list_ids", [])]
    for list_id in simple_repo.existing_list_ids(session, ws, lists):
        session.add(ListMember(workspace_id=ws, list_id=list_id, contact_id=loser_id))
    links = {uuid.UUID(a["id"]): a["position"] for a in before.get("accounts", [])}
    for account_id in simple_repo.existing_account_ids(session, ws, list(links)):
        session.add(AccountMember(workspace_id=ws, account_id=account_id, contact_id=loser_id,
                                  position=links[account_id]))


def _restore_primary_flags(session: Session, ws, loser_id, before: dict) -> None:
    session.flush()
    # by value: a point taken back from under a new row (see _take_back_by_value) has a new id
    was_primary = {(p["kind"], p["key"], p["normalized"]) for group in ("emails", "phones")
                   for p in before.get(group, []) if p.get("primary")}
    positions = {(p["kind"], p["key"], p["normalized"]): i for group in ("emails", "phones", "identifiers")
                 for i, p in enumerate(before.get(group, []))}
    for p in repo.points_of(session, ws, loser_id):
        p.is_primary = (p.kind, p.key, p.normalized) in was_primary
        p.position = positions.get((p.kind, p.key, p.normalized), p.position)
    primary_address = {a["id"] for a in before.get("addresses", []) if a.get("primary")}
    for a in repo.addresses_of(session, ws, loser_id).values():
        a.is_primary = str(a.id) in primary_address


def _enrich_point(target: ContactPoint, dropped: ContactPoint, moved: dict) -> None:
    """The survivor's copy of a point both contacts had takes what only the loser's copy knew:
    its type when the survivor's has none, and its properties the survivor's lacks (NGP VAN's
    doNotEmail, say: a merge must not forget that someone asked not to be emailed)."""
    kind = target.type if target.type is not None else dropped.type
    properties = {**(dropped.properties or {}), **(target.properties or {})}
    if kind == target.type and properties == (target.properties or {}):
        return
    moved.setdefault("enriched_points", []).append({
        "id": str(target.id), "type": target.type, "properties": target.properties or {},
        "merged_type": kind, "merged_properties": properties})
    target.type, target.properties = kind, properties


def _restore_enriched_points(session: Session, ws, survivor_id, records: list[dict]) -> None:
    """Undoes _enrich_point where the survivor's point is still as the merge left it."""
    for record in records:
        point = session.get(ContactPoint, (ws, uuid.UUID(record["id"])))
        if (point is not None and point.contact_id == survivor_id and point.type == record["merged_type"]
                and (point.properties or {}) == record["merged_properties"]):
            point.type, point.properties = record["type"], record["properties"]


def _point_record(p: ContactPoint) -> dict:
    return {"id": str(p.id), "kind": p.kind, "key": p.key, "value": p.value, "normalized": p.normalized,
            "type": p.type, "is_primary": p.is_primary, "position": p.position, "properties": p.properties or {}}


def _point_from_record(record: dict) -> dict:
    return {**record, "id": uuid.UUID(record["id"])}


def _scalar(snapshot: dict, name: str):
    value = snapshot.get(name)
    if name == "birth_date" and value:
        return date.fromisoformat(value)
    return value
