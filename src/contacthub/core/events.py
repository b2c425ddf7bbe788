"""The append-only change record: who (key), through which door, what changed."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core.actor import Actor
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


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for every field whose value differs (timestamps left out)."""
    skip = {"updated_at", "created_at"}
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if k not in skip and before.get(k) != after.get(k)
    }


def page(session: Session, actor: Actor, subject_id: uuid.UUID | None, after: uuid.UUID | None, limit: int) -> list[Event]:
    return repo.page_events(session, actor.workspace_id, subject_id, after, limit)
