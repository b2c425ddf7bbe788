"""Keeps the identity index in step with the contacts: called by the contact service on every
write and by merge/unmerge. Deletes need no call: the index rows go with the contact (cascade)."""

import uuid

from sqlalchemy.orm import Session

from contacthub.core.identity_rules import blocking_keys, exact_keys, profile_of
from contacthub.core.views import ContactView
from contacthub.repositories import identity as repo


def index_contact(session: Session, workspace_id: uuid.UUID, view: ContactView, new: bool = False) -> None:
    """Files the contact under its keys and claims its exact keys that nobody holds (another
    contact may hold one it shares). A `new` contact has nothing filed yet, so nothing is
    cleared first (the hot path of a create)."""
    profile = profile_of(view)
    if not new:
        repo.delete_own_keys(session, workspace_id, view.id)
    repo.file_keys(session, workspace_id, view.id, blocking_keys(profile), profile)
    exact = exact_keys(profile)
    if not new:
        repo.release(session, workspace_id, view.id, keep=exact)
    repo.claim(session, workspace_id, view.id, exact)


def file_new_in_bulk(session: Session, keys: list[tuple], profiles: list[tuple], claims: list[tuple]) -> None:
    """Files many new contacts at once (a bulk import) by the rules of `index_contact`, from rows
    the caller made with them (blocking_keys, the profile, exact_keys of each new contact):
    keys (workspace_id, key, contact_id, origin_id), profiles (workspace_id, contact_id,
    origin_id, profile), claims (workspace_id, key, contact_id), each claim taken only where
    nobody holds the key yet."""
    repo.file_tuples(session, keys, profiles, claims)


def on_merge(session: Session, workspace_id: uuid.UUID, survivor: ContactView, loser_id: uuid.UUID) -> None:
    """The loser's records (and those merged into it before) now speak for the survivor."""
    repo.move_all(session, workspace_id, loser_id, survivor.id)
    repo.move_claims(session, workspace_id, loser_id, survivor.id)
    index_contact(session, workspace_id, survivor)


def on_unmerge(session: Session, workspace_id: uuid.UUID, survivor: ContactView, restored: ContactView) -> None:
    repo.move_all(session, workspace_id, survivor.id, restored.id, origins=[restored.id])
    index_contact(session, workspace_id, survivor)
    index_contact(session, workspace_id, restored)


def index_views(session: Session, workspace_id: uuid.UUID, views: list[ContactView]) -> None:
    """Files contacts that were written without the index (a bulk path): each one's own keys and
    profile are replaced, its exact keys claimed where free."""
    for view in views:
        index_contact(session, workspace_id, view)
