"""Organizations and the people in them: a contact of kind organization holds its members
(relation org_member, from the organization to the member), as a group holds its children
(core/groups.py). A person's `employer` stays a name of its own; this is the link to the
organization's contact, which merges, deletes and erasure carry like every relation.
"""

import uuid

from sqlalchemy.orm import Session

from contacthub.core import contacts, events, groups
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.views import ContactView
from contacthub.db.types import utcnow
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import groups as repo

MEMBER = contact_repo.ORG_MEMBER


def get_organization(session: Session, actor: Actor, organization_id: uuid.UUID) -> ContactView:
    """The organization (a merged-away id answers its survivor); NotFound for any other contact."""
    return contacts.get_of_kind(session, actor, organization_id, "organization")


def members(session: Session, actor: Actor, organization_id: uuid.UUID) -> list[uuid.UUID]:
    return repo.members(session, actor.workspace_id, [organization_id], (MEMBER,))[organization_id][MEMBER]


def set_members(session: Session, actor: Actor, organization_id: uuid.UUID,
                member_ids: list[uuid.UUID]) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Replaces the organization's members (people, or other organizations: its parts); answers
    the organization's id (a merged-away one's survivor) and its members now."""
    organization = get_organization(session, actor, organization_id)
    errors: list[FieldError] = []
    wanted = groups.resolve_members(session, actor, organization.id, member_ids, "members", errors)
    kinds = {v.id: v.kind for v in contacts.get_many(session, actor, wanted)} if wanted else {}
    errors += [FieldError("members", f"contact {cid} is a group: a group cannot be a member of an organization")
               for cid in wanted if kinds.get(cid) == "group"]
    if errors:
        raise InvalidInput(errors)
    before = members(session, actor, organization.id)
    if before != wanted:
        repo.replace_members(session, actor.workspace_id, organization.id, MEMBER, wanted, utcnow())
        record_members_change(session, actor, organization.id, before, wanted)
    return organization.id, wanted


def record_members_change(session: Session, actor: Actor, organization_id: uuid.UUID, before: list[uuid.UUID],
                          after: list[uuid.UUID]) -> None:
    """The organization's members changed, recorded as an update of the organization (when they did)."""
    if before != after:
        events.record(session, actor, "contact", organization_id, "updated",
                      changes={"members": [[str(i) for i in before], [str(i) for i in after]]})


def organizations_of(session: Session, actor: Actor, contact_id: uuid.UUID) -> list[ContactView]:
    """The organizations the contact is a member of."""
    view = contacts.get(session, actor, contact_id)
    held = repo.referencing(session, actor.workspace_id, [view.id], (MEMBER,))[view.id]
    return [v for v in contacts.get_many(session, actor, held) if v.kind == "organization"]


def memberships(session: Session, actor: Actor, contact_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """contact id -> the ids of the organizations it is a member of, for many contacts at once."""
    return dict(repo.referencing(session, actor.workspace_id, contact_ids, (MEMBER,)))
