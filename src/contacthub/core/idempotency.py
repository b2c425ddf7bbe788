"""Idempotency-Key: the first response to a key is stored in the same transaction as the write
it answers, so a retried POST gets the same answer and writes nothing new."""

import hashlib
import json
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, Gone
from contacthub.db.models import IdempotencyRecord
from contacthub.db.types import utcnow
from contacthub.repositories import simple as repo
from contacthub.settings import get_settings


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


# the status an answer kept for replay is left with when it showed a person since erased
# (repositories/erasure.blank_answers); a replay then raises Gone
ERASED = 410


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
    if record.status_code == ERASED and record.body is None:  # its answer showed a person since erased
        raise Gone("the answer to this Idempotency-Key showed a contact since erased; the request is not run again")
    return record.status_code, record.body


# When this process last dropped a workspace's expired answers: at most once an hour each, in
# the transaction of a new answer, so the table holds about a day of keys however long it runs.
PURGE_EVERY = timedelta(hours=1)
_purged_at: dict[uuid.UUID, datetime] = {}


def remember(session: Session, actor: Actor, key: str, print_: str, status: int, body: Any) -> None:
    session.add(IdempotencyRecord(
        workspace_id=actor.workspace_id, key=key, fingerprint=print_, status_code=status,
        body=json.loads(json.dumps(body, default=str)),
    ))
    now = utcnow()
    last = _purged_at.get(actor.workspace_id)
    if last is None or now - last >= PURGE_EVERY:
        _purged_at[actor.workspace_id] = now
        repo.forget_idempotency_before(session, actor.workspace_id,
                                       now - timedelta(hours=get_settings().idempotency_ttl_hours))
    session.flush()


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool  # the stored answer of an earlier request with the key


def run_once(transaction: Callable[[], AbstractContextManager[Session]], actor: Actor, key: str | None,
             print_: str | None, work: Callable[[Session], tuple[int, Any]],
             kept: Callable[[Any], Any] | None = None) -> Answer:
    """`work` run once per Idempotency-Key: a repeat answers what the first answered (or what
    `kept` made of it to store: an answer holding a secret keeps it out), Conflict when the
    key was used for another request. `work` answers (status, body) in the transaction it is
    given, the answer stored with what it wrote. Without a key, `work` simply runs."""
    if key is None:
        with transaction() as session:
            return Answer(*work(session), replayed=False)
    for _ in range(2):
        try:
            with transaction() as session:
                stored = replay(session, actor, key, print_)
                if stored is not None:
                    return Answer(stored[0], stored[1], replayed=True)
                status, body = work(session)
                remember(session, actor, key, print_, status, kept(body) if kept else body)
                return Answer(status, body, replayed=False)
        except IntegrityError:
            continue  # a concurrent request with the same key won: replay its answer
    raise Conflict("a request with this Idempotency-Key is in progress; retry", field="Idempotency-Key")
