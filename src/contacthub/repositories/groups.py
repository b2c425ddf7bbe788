"""Queries over the relations from a contact to its members (a group's group_child and
group_primary, an organization's org_member) and a page-numbered contact directory. No rules
here."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from contacthub.db.models import Address, Contact, Relation
from contacthub.repositories.raw import like_escaped

GROUP_KINDS = ("group_child", "group_primary")


def members(session: Session, workspace_id: uuid.UUID, group_ids: Sequence[uuid.UUID],
            kinds: Sequence[str] = GROUP_KINDS) -> dict[uuid.UUID, dict[str, list]]:
    """group id -> {"group_child": [ids], "group_primary": [ids]} (oldest link first); or, for
    other `kinds` of relation from a contact to its members, the same by those kinds."""
    found: dict[uuid.UUID, dict[str, list]] = {g: {k: [] for k in kinds} for g in group_ids}
    if not group_ids:
        return found
    rows = session.execute(
        select(Relation.from_id, Relation.kind, Relation.to_id)
        .join(Contact, (Contact.workspace_id == Relation.workspace_id) & (Contact.id == Relation.to_id))
        .where(Relation.workspace_id == workspace_id, Relation.from_id.in_(group_ids),
               Relation.kind.in_(kinds), Contact.merged_into.is_(None))
        .order_by(Relation.created_at, Relation.to_id)
    )
    for group_id, kind, member_id in rows:
        found[group_id][kind].append(member_id)
    return found


def referencing(session: Session, workspace_id: uuid.UUID, contact_ids: Sequence[uuid.UUID],
                kinds: Sequence[str] = GROUP_KINDS) -> dict[uuid.UUID, list]:
    """contact id -> ids of the contacts (groups, or whatever holds it by `kinds`) whose
    relations point at it."""
    found: dict[uuid.UUID, list] = defaultdict(list)
    if not contact_ids:
        return found
    rows = session.execute(
        select(Relation.to_id, Relation.from_id)
        .where(Relation.workspace_id == workspace_id, Relation.to_id.in_(contact_ids), Relation.kind.in_(kinds))
        .order_by(Relation.created_at, Relation.from_id)
    )
    for to_id, from_id in rows:
        if from_id not in found[to_id]:
            found[to_id].append(from_id)
    return found


def replace_members(session: Session, workspace_id: uuid.UUID, group_id: uuid.UUID, kind: str,
                    member_ids: Sequence[uuid.UUID], now) -> None:
    session.execute(delete(Relation).where(
        Relation.workspace_id == workspace_id, Relation.from_id == group_id, Relation.kind == kind))
    session.add_all(Relation(workspace_id=workspace_id, from_id=group_id, kind=kind, to_id=m, created_at=now)
                    for m in member_ids)
    session.flush()


def add_relations(session: Session, workspace_id: uuid.UUID, kind: str, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]],
                  now) -> None:
    """The (from, to) links of `kind` that are not there yet: one query to find those that are."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return
    existing = set(session.execute(
        select(Relation.from_id, Relation.to_id).where(
            Relation.workspace_id == workspace_id, Relation.kind == kind,
            Relation.from_id.in_({p[0] for p in pairs}), Relation.to_id.in_({p[1] for p in pairs}))
    ).tuples())
    session.add_all(Relation(workspace_id=workspace_id, from_id=a, kind=kind, to_id=b, created_at=now)
                    for a, b in pairs if (a, b) not in existing)
    session.flush()


def address(session: Session, workspace_id: uuid.UUID, address_id: uuid.UUID) -> Address | None:
    return session.get(Address, (workspace_id, address_id))


def directory_page(
    session: Session, workspace_id: uuid.UUID, kinds: Sequence[str] | None, child_of: uuid.UUID | None,
    search: str | None,
    order_by: str, descending: bool, offset: int, limit: int,
) -> tuple[list[uuid.UUID], int]:
    """Ids of one numbered page of live contacts, and how many match in all."""
    query = select(Contact.id).where(Contact.workspace_id == workspace_id, Contact.merged_into.is_(None))
    if kinds:
        query = query.where(Contact.kind.in_(list(kinds)))
    if child_of is not None:
        query = query.where(Contact.id.in_(
            select(Relation.from_id).where(Relation.workspace_id == workspace_id, Relation.to_id == child_of,
                                           Relation.kind.in_(GROUP_KINDS))))
    if search:
        pattern = f"%{like_escaped(search)}%"  # folded by the caller; % and _ searched are letters
        query = query.where(or_(Contact.search_text.like(pattern, escape="\\"),
                                Contact.name_text.like(pattern, escape="\\")))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    if order_by == "name":
        key = Contact.name_text  # its names folded, the shown one first: Émile beside Emma, not after Zoë
        order = (key.desc(), Contact.id.desc()) if descending else (key, Contact.id)
    else:  # created_at: the ids' order too, but for contacts restored with the time of their backup
        order = (Contact.created_at.desc(), Contact.id.desc()) if descending else (Contact.created_at, Contact.id)
    ids = list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
    return ids, total or 0
