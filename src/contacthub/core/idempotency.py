"""Idempotency-Key: the first response to a key is stored in the same transaction as the write
it answers, so a retried POST gets the same answer and writes nothing new."""

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict
from contacthub.db.models import IdempotencyRecord
from contacthub.db.types import utcnow
from contacthub.repositories import simple as repo
from contacthub.settings import get_settings


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def replay(session: Session, actor: Actor, key: str, print_: str) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, None if it is new; Conflict if it was used for
    a different request."""
    record = repo.idempotency_record(session, actor.workspace_id, key)
    if record is None:
        return None
    if record.created_at < utcnow() - timedelta(hours=get_settings().idempotency_ttl_hours):
        session.delete(record)
        session.flush()
        return None
    if record.fingerprint != print_:
        raise Conflict("this Idempotency-Key was already used for a different request", field="Idempotency-Key")
    return record.status_code, record.body


def remember(session: Session, actor: Actor, key: str, print_: str, status: int, body: Any) -> None:
    session.add(IdempotencyRecord(
        workspace_id=actor.workspace_id, key=key, fingerprint=print_, status_code=status,
        body=json.loads(json.dumps(body, default=str)),
    ))
    session.flush()
