"""The append-only change record: who (key), through which door, what changed; and the change
feed, which hands it out in order to clients that keep themselves in step with the store."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core.actor import Actor
from contacthub.core.errors import Busy, FieldError, InvalidInput, NotFound
from contacthub.db.engine import Database
from contacthub.db.models import Event
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import simple as repo


def record(
    session: Session, actor: Actor, subject_type: str, subject_id: uuid.UUID, action: str,
    changes: dict[str, Any] | None = None, before: dict[str, Any] | None = None,
) -> None:
    record_many(session, actor, subject_type, [subject_id], action, changes, before)


def record_many(
    session: Session, actor: Actor, subject_type: str, subject_ids: list[uuid.UUID], action: str,
    changes: dict[str, Any] | None = None, before: dict[str, Any] | None = None,
) -> None:
    """The same change to several subjects, one event each, written in one statement."""
    now = utcnow()
    repo.insert_events(session, [{
        "workspace_id": actor.workspace_id, "id": new_id(), "subject_type": subject_type, "subject_id": subject_id,
        "action": action, "door": actor.door, "api_key_id": actor.api_key_id, "changes": changes or {},
        "before": before, "created_at": now,
    } for subject_id in subject_ids])


def record_each(session: Session, actor: Actor, subject_type: str, action: str,
                changes: dict[uuid.UUID, dict[str, Any]]) -> None:
    """One event for each subject, with its own changes, written in one statement."""
    now = utcnow()
    repo.insert_events(session, [{
        "workspace_id": actor.workspace_id, "id": new_id(), "subject_type": subject_type, "subject_id": subject_id,
        "action": action, "door": actor.door, "api_key_id": actor.api_key_id, "changes": changed,
        "before": None, "created_at": now,
    } for subject_id, changed in changes.items()])


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for every field whose value differs (timestamps left out)."""
    skip = {"updated_at", "created_at"}
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if k not in skip and before.get(k) != after.get(k)
    }


def page(session: Session, actor: Actor, subject_id: uuid.UUID | None, after: uuid.UUID | None, limit: int) -> list[Event]:
    """A page of the workspace's events, or of one contact's; NotFound for a contact with no
    history here (every contact has one from its creation on, deleted or erased ones too)."""
    subject = ("contact", subject_id) if subject_id is not None else None  # ids are unique only within a type
    rows = repo.page_events(session, actor.workspace_id, subject, after, limit)
    if subject_id is not None and after is None and not rows:
        raise NotFound("contact", subject_id)
    return rows


NUMBERED_AT_ONCE = 10_000
# How long a poll waits for the store to number new events before it answers what is numbered
POLL_WAIT_SECONDS = 0.5
# what events are about (their subject_type)
SUBJECT_TYPES = ("contact", "list", "attribute_definition", "account", "data_source", "webhook")
# what happens to each (the actions its events record)
ACTIONS = {subject: ("created", "updated", "deleted") for subject in SUBJECT_TYPES} | {
    "contact": ("created", "updated", "deleted", "merged", "merged_into", "unmerged", "list_added", "list_removed",
                "erased"),
}


@dataclass
class Changes:
    events: list[Event]
    last_seq: int  # what the reader passes next time: the last number handed out to it
    more: bool  # more is waiting beyond this page


def poll_changes(db: Database, actor: Actor, since: int, limit: int) -> Changes:
    """`changes_since` for a poller: when every committed event already has its number, the
    page is read in a read transaction, so a poll that finds nothing new takes no write lock
    (on SQLite, the one writer's; a poll during an import that holds it answers at once).
    Events committed meanwhile have no number yet: the next poll numbers them. When numbering
    them would wait longer than POLL_WAIT_SECONDS for the store (an `overwrite` import holds
    it to its end), the poll answers what is numbered already, and not to ask again at once:
    the waiting events keep their turn for a later poll."""
    with db.read() as session:
        if not repo.has_unnumbered_events(session, actor.workspace_id):
            check_since(since, repo.last_seq(session, actor.workspace_id))
            return _page(session, actor, since, limit, waiting=False)
    try:
        with db.write(wait_seconds=POLL_WAIT_SECONDS) as session:
            return changes_since(session, actor, since, limit)
    except Busy:
        with db.read() as session:
            check_since(since, repo.last_seq(session, actor.workspace_id))
            return _page(session, actor, since, limit, waiting=False)


def changes_since(session: Session, actor: Actor, since: int, limit: int) -> Changes:
    """The workspace's events numbered after `since`, in number order. Needs a write transaction.

    A poller that asked for "events with an id after the last I saw" could miss some for good:
    ids are made when a change is written, and a transaction that wrote earlier may commit
    later. So an event is numbered only when a reader first finds it committed, by one reader
    at a time (the workspace's last number stays locked until the numbering commits), and
    every later number goes to an event seen later. What `since` has covered never changes.
    A `since` past the last number given is InvalidInput: no such point in the feed exists."""
    last = _number_new_events(session, actor.workspace_id, limit)
    check_since(since, last)
    return _page(session, actor, since, limit, waiting=repo.has_unnumbered_events(session, actor.workspace_id))


def _page(session: Session, actor: Actor, since: int, limit: int, waiting: bool) -> Changes:
    """The numbered events after `since`, at most `limit`; `waiting`: events wait for numbers."""
    found = repo.events_after_seq(session, actor.workspace_id, since, limit + 1)
    page = found[:limit]
    return Changes(page, page[-1].seq if page else since, len(found) > limit or waiting)


def feed_end(session: Session, actor: Actor) -> int:
    """The last number of the workspace's feed once every committed event has one: where a
    reader that wants only what comes from now on starts. Needs a write transaction."""
    last = _number_new_events(session, actor.workspace_id, NUMBERED_AT_ONCE)
    while (after := _number_new_events(session, actor.workspace_id, NUMBERED_AT_ONCE)) != last:
        last = after
    return last


def check_since(since: int, last: int) -> None:
    """A point in the feed must be one it has reached: InvalidInput (field `since`) otherwise."""
    if since > last:
        raise InvalidInput(FieldError("since", f"the feed has reached {last}; {since} is past its end"))


def _number_new_events(session: Session, workspace_id: uuid.UUID, most: int) -> int:
    """Numbers up to `most` committed events that have none, oldest id first; the last number."""
    last = repo.held_last_seq(session, workspace_id)
    return last + repo.number_events(session, workspace_id, last, most)
