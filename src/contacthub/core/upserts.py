"""Many contacts written at once, each known by an identifier: the contact of the workspace that
holds it is updated, and where none does one is created. What another system's sync needs (its
own id as the identifier), in one call and one transaction: the whole batch is written, or, when
any item is refused, nothing is.

An update is a PATCH of that contact (absent fields stay, null clears, given emails, phones and
addresses replace the stored ones) except for identifiers, which join the contact's own: the
item need not repeat what other systems filed there.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contacthub.core import contacts, identity
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput
from contacthub.core.identity_rules import SHARED_IDENTIFIER_KEYS, exact_keys
from contacthub.core.inputs import ContactInput, IdentifierInput, WriteOptions
from contacthub.core.views import ContactView
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import identity as identity_repo

MAX_ITEMS = 100  # contacts in one call


@dataclass
class Upserted:
    contact: ContactView
    created: bool


def upsert(session: Session, actor: Actor, key: str, items: list[ContactInput],
           options: WriteOptions | None = None) -> list[Upserted]:
    """Writes each item where the contact holding its `key` identifier is, or as a new contact;
    the answers come in the items' order. InvalidInput or Conflict (field paths start with the
    item's place, `contacts[3].emails[0].address`) leaves the whole batch unwritten: the caller's
    transaction is to be rolled back."""
    options = options or WriteOptions()
    values = _values(key, items)
    held = contact_repo.contacts_with_points(session, actor.workspace_id, "identifier", values, key)
    done = []
    for i, (item, value) in enumerate(zip(items, values)):
        try:
            done.append(_write(session, actor, key, value, item, held.get(value), options))
        except InvalidInput as exc:
            raise InvalidInput([FieldError(f"contacts[{i}].{e.field}", e.message) for e in exc.errors]) from None
        except Conflict as exc:
            field = f"contacts[{i}].{exc.field}" if exc.field else f"contacts[{i}]"
            raise Conflict(f"contacts[{i}]: {exc.message}", field=field, existing_id=exc.existing_id) from None
    return done


def _values(key: str, items: list[ContactInput]) -> list[str]:
    """Each item's value of the `key` identifier; InvalidInput when an item has none or several,
    or repeats another's (two items would be one contact)."""
    if key in SHARED_IDENTIFIER_KEYS:
        raise InvalidInput(FieldError("identifier_key", f"{key} is held by many contacts alike: it names no one"))
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput(FieldError("contacts", f"from 1 to {MAX_ITEMS} contacts a call"))
    errors, values, first = [], [], {}
    for i, item in enumerate(items):
        mine = list(dict.fromkeys(p.value for p in item.identifiers or [] if p.key == key))
        if len(mine) != 1:
            errors.append(FieldError(f"contacts[{i}].identifiers",
                                     f"needs exactly one identifier with the key {key} (it has {len(mine)})"))
            values.append("")
            continue
        if mine[0] in first:
            errors.append(FieldError(f"contacts[{i}].identifiers",
                                     f"{key}={mine[0]} is also contacts[{first[mine[0]]}]'s: one item a contact"))
        first.setdefault(mine[0], i)
        values.append(mine[0])
    if errors:
        raise InvalidInput(errors)
    return values


def _write(session: Session, actor: Actor, key: str, value: str, item: ContactInput,
           holders: list[uuid.UUID] | None, options: WriteOptions) -> Upserted:
    if holders:
        current = contacts.get(session, actor, holders[0])
        joined = item
        if item.identifiers is not None:
            given = {(p.key, p.value) for p in item.identifiers}
            kept = [IdentifierInput(key=p.key, value=p.value, properties=p.properties)
                    for p in current.identifiers if (p.key, p.value) not in given]
            joined = item.model_copy(update={"identifiers": [*item.identifiers, *kept]})
        return Upserted(contacts.update(session, actor, current.id, joined, options, current=current), created=False)
    # the contacts already holding the item's emails and phones (allowed by a `create` policy):
    # any other holder found after the create is a concurrent write of the same contact
    seen = identity_repo.contacts_with_keys(session, actor.workspace_id, exact_keys(identity.profile_of_input(item)))
    try:
        view = contacts.create(session, actor, item, options)
    except Conflict:
        if contact_repo.contacts_with_points(session, actor.workspace_id, "identifier", [value], key):
            # the identifier itself is taken now: a concurrent write made its contact after we looked
            raise identity.ResolutionRace() from None
        raise
    identity.check_claims(session, actor.workspace_id, view, seen)
    return Upserted(view, created=True)
