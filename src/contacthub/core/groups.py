"""Groups: a contact of kind "group" holds other contacts (relation group_child, from the group
to the member); some of them may be called out as primary (group_primary, always also a
child). Plus a page-numbered directory listing for doors that page by number and sort by name.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from contacthub.core import contacts, events, normalize
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.views import AddressView, ContactCard, ContactView
from contacthub.db.types import utcnow
from contacthub.repositories import groups as repo

MAX_MEMBERS_PER_WRITE = 1000


@dataclass
class GroupMembers:
    children: list[uuid.UUID] = field(default_factory=list)
    primary: list[uuid.UUID] = field(default_factory=list)


def members(session: Session, actor: Actor, group_ids: list[uuid.UUID]) -> dict[uuid.UUID, GroupMembers]:
    found = repo.members(session, actor.workspace_id, group_ids)
    return {g: GroupMembers(m["group_child"], m["group_primary"]) for g, m in found.items()}


def referenced_by(session: Session, actor: Actor, contact_ids: list[uuid.UUID],
                  kinds: tuple[str, ...] = repo.GROUP_KINDS) -> dict[uuid.UUID, list[ContactView]]:
    """contact id -> the contacts (groups) that point at it (by relations of `kinds`)."""
    return _as_views(session, actor, contact_ids, repo.referencing(session, actor.workspace_id, contact_ids, kinds))


def linked(session: Session, actor: Actor, contact_ids: list[uuid.UUID],
           members_of: dict[uuid.UUID, GroupMembers]) -> dict[uuid.UUID, list[ContactCard]]:
    """contact id -> the contacts linked to it by group membership, each once: a group's
    children (`members_of`, as `members` answers), then the groups holding it; as cards (a
    group may have tens of thousands of children: whole contacts took seconds)."""
    links = repo.referencing(session, actor.workspace_id, contact_ids)
    wanted = {cid: list(dict.fromkeys([*(members_of[cid].children if cid in members_of else []), *links.get(cid, [])]))
              for cid in contact_ids}
    found = contacts.cards(session, actor, list({i for ids in wanted.values() for i in ids}))
    return {cid: [found[i] for i in wanted[cid] if i in found] for cid in contact_ids}


def names_holding(session: Session, actor: Actor, contact_ids: list[uuid.UUID],
                  primary_only: bool = False) -> dict[uuid.UUID, list[str]]:
    """contact id -> the names of the groups it is a member of (as files name them: a CSV's
    Groups column, a vCard's CATEGORIES), or with `primary_only` those it is a primary contact of."""
    held = referenced_by(session, actor, contact_ids, ("group_primary",) if primary_only else repo.GROUP_KINDS)
    return {cid: [g.computed_display_name or "" for g in groups if g.kind == "group"] for cid, groups in held.items()}


def _as_views(session: Session, actor: Actor, contact_ids: list[uuid.UUID],
              ids_of: dict[uuid.UUID, list[uuid.UUID]]) -> dict[uuid.UUID, list[ContactView]]:
    """contact id -> the contacts `ids_of` names for it, read in one query (gone ones left out)."""
    views = {v.id: v for v in contacts.get_many(session, actor, list({i for ids in ids_of.values() for i in ids}))}
    return {cid: [views[i] for i in ids_of.get(cid, []) if i in views] for cid in contact_ids}


def get_group(session: Session, actor: Actor, group_id: uuid.UUID) -> ContactView:
    """The group (a merged-away id answers its survivor); NotFound for any other contact."""
    return contacts.get_of_kind(session, actor, group_id, "group")


def set_members(
    session: Session, actor: Actor, group_id: uuid.UUID, children: list[uuid.UUID] | None,
    primary: list[uuid.UUID] | None, path: str = "",
) -> GroupMembers:
    """Replaces the group's children and/or primary contacts (None leaves that side as it is).
    A primary contact is always a child too."""
    group = contacts.get(session, actor, group_id)
    if group.kind != "group":
        if not children and not primary:  # none, as a person reads back: nothing to change
            return GroupMembers()
        raise InvalidInput(FieldError(path, "only a contact of type group can hold other contacts"))
    before = members(session, actor, [group.id])[group.id]
    errors: list[FieldError] = []

    def resolve(ids: list[uuid.UUID], side: str) -> list[uuid.UUID]:
        return resolve_members(session, actor, group.id, ids, f"{path}.{side}" if path else side, errors)

    new_children = resolve(children, "children") if children is not None else list(before.children)
    new_primary = resolve(primary, "primary") if primary is not None else list(before.primary)
    if errors:
        raise InvalidInput(errors)
    if children is not None and primary is None:
        new_primary = [p for p in new_primary if p in new_children]
    new_children += [p for p in new_primary if p not in new_children]
    now = utcnow()
    repo.replace_members(session, actor.workspace_id, group.id, "group_child", new_children, now)
    repo.replace_members(session, actor.workspace_id, group.id, "group_primary", new_primary, now)
    after = GroupMembers(new_children, new_primary)
    record_members_change(session, actor, group.id, before, after)
    return after


def record_members_change(session: Session, actor: Actor, group_id: uuid.UUID, before: GroupMembers,
                          after: GroupMembers) -> None:
    """The group's members changed, recorded as an update of the group (when they did)."""
    if (before.children, before.primary) != (after.children, after.primary):
        events.record(session, actor, "contact", group_id, "updated", changes={"group_contacts": [
            {"children": [str(i) for i in before.children], "primary": [str(i) for i in before.primary]},
            {"children": [str(i) for i in after.children], "primary": [str(i) for i in after.primary]},
        ]})


def resolve_members(session: Session, actor: Actor, holder_id: uuid.UUID, ids: list[uuid.UUID], where: str,
                    errors: list[FieldError]) -> list[uuid.UUID]:
    """The live contacts `ids` are now (a merged-away id: its survivor), each once; an unknown
    one, or the holder itself, is a fault added to `errors` at `where[i]`."""
    if len(ids) > MAX_MEMBERS_PER_WRITE:
        errors.append(FieldError(where, f"at most {MAX_MEMBERS_PER_WRITE} contacts per call"))
        return []
    out: dict[uuid.UUID, None] = {}  # in order, each once
    now_at = contacts.resolve_ids(session, actor, list(dict.fromkeys(ids)))  # one query for them all
    for i, cid in enumerate(ids):
        resolved = now_at.get(cid)
        if resolved is None:
            errors.append(FieldError(f"{where}[{i}]", f"no contact {cid}"))
        elif resolved == holder_id:
            errors.append(FieldError(f"{where}[{i}]", "a contact cannot hold itself"))
        else:
            out[resolved] = None
    return list(out)


def address_for_reuse(session: Session, actor: Actor, address_id: uuid.UUID, path: str = "address") -> AddressView:
    """An existing address of the workspace, given by id, to copy onto a contact."""
    row = repo.address(session, actor.workspace_id, address_id)
    if row is None:
        raise InvalidInput(FieldError(path, f"no address {address_id}"))
    return AddressView(row.id, row.type, row.line1, row.line2, row.city, row.region, row.postal_code, row.country,
                       row.is_primary, row.properties or {})


def directory(
    session: Session, actor: Actor, kinds: Sequence[str] | None = None, child_of: uuid.UUID | None = None,
    search: str | None = None, order_by: str = "created", descending: bool = False, page: int = 1, limit: int = 25,
) -> tuple[list[ContactView], int]:
    """One numbered page (from 1) of live contacts (of `kinds`, when given) and the total count."""
    if page < 1:
        raise InvalidInput(FieldError("page", "must be 1 or more"))
    if order_by not in ("created", "name"):
        raise InvalidInput(FieldError("order_by", "use name or created_at"))
    # as search_text is stored; a search of blanks alone is none, as every door's empty filter is
    search = normalize.searched(search.strip()) if search and search.strip() else None
    ids, total = repo.directory_page(session, actor.workspace_id, kinds, child_of, search, order_by, descending,
                                     (page - 1) * limit, limit)
    return contacts.get_many(session, actor, ids), total
