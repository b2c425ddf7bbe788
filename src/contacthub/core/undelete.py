"""Bringing back a deleted contact from its history: the `deleted` event keeps the whole contact
as it was (core/events.py), so a delete made by mistake can be undone, under the same id.

What comes back is what the contact held: names, emails, phones and identifiers with their
types, flags and properties, addresses under their ids, attributes, social profiles, `extra`,
and the lists and accounts that still exist. It rejoins the groups and organizations that held it,
and a group or organization gets back its members, those of them still there (the `deleted`
event keeps the links). Records merged into it before the delete resolve to it again. An erased
contact (core/erasure.py) has no history left to restore.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core import contacts, groups, organizations
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, NotFound
from contacthub.core.inputs import (
    SCALAR_FIELDS,
    AccountLink,
    ContactInput,
    WriteOptions,
)
from contacthub.core.views import ContactView
from contacthub.db.types import utcnow
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import groups as groups_repo
from contacthub.repositories import simple as simple_repo


def undelete(session: Session, actor: Actor, contact_id: uuid.UUID, options: WriteOptions | None = None) -> ContactView:
    """The deleted contact made again as its `deleted` event recorded it. NotFound when the
    workspace has no deleted contact with that id (or its history was erased); Conflict when a
    contact has the id now, or (with the `reject` policy) when another contact took one of its
    emails, phones or identifiers meanwhile."""
    ws = actor.workspace_id
    if contact_repo.get(session, ws, contact_id) is not None:
        raise Conflict(f"contact {contact_id} is not deleted", field="id", existing_id=contact_id)
    event = contact_repo.last_event(session, ws, contact_id, "deleted")
    if event is None:
        raise NotFound("deleted contact", contact_id)
    if not event.before:
        raise NotFound("deleted contact", contact_id, _why_not_kept(event.changes or {}))
    was = event.before
    data = ContactInput(
        **{name: was.get(name) for name in SCALAR_FIELDS if was.get(name) is not None},
        social=was.get("social") or {}, attributes=was.get("attributes") or {}, extra=was.get("extra") or {},
        emails=[_point(p, "address") for p in was.get("emails") or []],
        phones=[_point(p, "number") for p in was.get("phones") or []],
        identifiers=[{"key": p["key"], "value": p["value"], "properties": p.get("properties") or {}}
                     for p in was.get("identifiers") or []],
        addresses=[{part: a.get(part) for part in ("type", "line1", "line2", "city", "region", "postal_code",
                                                   "country", "primary", "properties") if a.get(part) is not None}
                   for a in was.get("addresses") or []],
        lists=sorted(simple_repo.existing_list_ids(session, ws, [uuid.UUID(i) for i in was.get("list_ids") or []]),
                     key=str),
        accounts=_accounts_still_there(session, ws, was.get("accounts") or []),
    )
    kept = contacts.Restored(id=contact_id, created_at=_moment(was.get("created_at")),
                             address_ids=[_uuid(a.get("id")) for a in was.get("addresses") or []])
    # what was stored comes back as it was, even a value a door stored unchecked (ChartMogul's emails)
    options = (options or WriteOptions()).model_copy(update={"strict_emails": False, "strict_phones": False})
    view = contacts.create(session, actor, data, options, kept)
    _relink(session, actor, view.id, was.get("relations") or [])
    return view


def _why_not_kept(changes: dict[str, Any]) -> str:
    """Why a deletion kept no copy of the contact, for the 404 to say: an `overwrite` import
    records each contact it replaces without one (a copy of every contact on each run doubled
    the overwrite's time and grew the history by the workspace's size; a workspace replaced
    nightly would keep a copy a night), or the contact was erased since."""
    if changes.get("reason") == "import overwrite":
        return (f"it was replaced by the overwrite import {changes.get('import_id')}, which keeps no copy of "
                "the contacts it replaces (an export made before it has them)")
    return "it was erased, and its history keeps nothing to restore"


def _relink(session: Session, actor: Actor, contact_id: uuid.UUID, relations: list[dict[str, str]]) -> None:
    """The links the contact had with the groups and organizations holding it (or held by it),
    each to the contact the other end is now, when it is still there."""
    ends = {uuid.UUID(r["from"] if r["to"] == str(contact_id) else r["to"]) for r in relations}
    now_at = contacts.resolve_ids(session, actor, list(ends))
    links: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}  # kind -> (from, to)
    for r in relations:
        mine_is_to = r["to"] == str(contact_id)
        other = now_at.get(uuid.UUID(r["from"] if mine_is_to else r["to"]))
        if other is not None and other != contact_id:
            links.setdefault(r["kind"], []).append((other, contact_id) if mine_is_to else (contact_id, other))
    # each holder whose members change is recorded as when its members are set (a follower of the
    # feed sees the contact back in its groups and organizations), the contact itself included
    holders = {kind: list({holder for holder, _ in pairs}) for kind, pairs in links.items()}
    in_groups = list({h for kind, found in holders.items() if kind in groups_repo.GROUP_KINDS for h in found})
    in_organizations = holders.get(organizations.MEMBER, [])
    groups_before = groups.members(session, actor, in_groups)
    organizations_before = {o: organizations.members(session, actor, o) for o in in_organizations}
    for kind, pairs in links.items():
        groups_repo.add_relations(session, actor.workspace_id, kind, pairs, utcnow())
    for group_id, after in groups.members(session, actor, in_groups).items():
        groups.record_members_change(session, actor, group_id, groups_before[group_id], after)
    for organization_id, before in organizations_before.items():
        organizations.record_members_change(session, actor, organization_id, before,
                                            organizations.members(session, actor, organization_id))


def _point(point: dict[str, Any], value_name: str) -> dict[str, Any]:
    return {value_name: point["value"], "type": point.get("type"), "primary": bool(point.get("primary")),
            "properties": point.get("properties") or {}}


def _accounts_still_there(session: Session, ws: uuid.UUID, links: list[dict[str, Any]]) -> list[AccountLink]:
    known = simple_repo.existing_account_ids(session, ws, [uuid.UUID(a["id"]) for a in links])
    return [AccountLink(id=a["id"], position=a.get("position")) for a in links if uuid.UUID(a["id"]) in known]


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _uuid(text: str | None) -> uuid.UUID | None:
    return uuid.UUID(text) if text else None
