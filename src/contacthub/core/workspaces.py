"""Workspaces and their API keys. A key is random, shown once, and stored as a SHA-256 hash:
a leaked database does not leak working keys."""

import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import event
from sqlalchemy.orm import Session

from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, Forbidden, NotFound, Unauthenticated
from contacthub.core.inputs import Strict
from contacthub.db.models import ApiKey, Workspace
from contacthub.db.types import utcnow
from contacthub.repositories import simple as repo

KEY_PREFIX = "chk_"


class KeyCache:
    """Remembers valid keys for a few seconds so a request does not pay a key lookup.

    A key revoked in this process stops working once the revoke is committed (revoke_key
    forgets it then); in another process (a second server, the CLI) within `ttl` seconds.
    Unknown keys are never cached.
    """

    def __init__(self, ttl: float = 5.0, size: int = 10_000):
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[float, KeyGrant]] = {}
        self._lock = threading.Lock()
        # bumped by every forget: a lookup that loaded before a forget does not store what it
        # read (the key as it was before the revoke committed)
        self._forgets = 0

    def lookup(self, api_key: str | None, load):
        if not api_key:
            raise Unauthenticated()
        digest = _hash(api_key.strip())
        now = time.monotonic()
        entry = self._entries.get(digest)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        forgets = self._forgets
        value = load()
        with self._lock:
            if forgets == self._forgets:
                if len(self._entries) >= self.size:
                    self._entries.clear()
                self._entries[digest] = (now, value)
        return value

    def peek(self, api_key: str | None) -> "KeyGrant | None":
        """The cached grant if fresh, without loading."""
        if not api_key:
            return None
        entry = self._entries.get(_hash(api_key.strip()))
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        return None

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._forgets += 1
            self._entries.pop(key_hash, None)

    def forget_when_committed(self, session: Session, key_hash: str) -> None:
        """Forgets the key now and again once `session` commits: a request checking the key
        between the two read it still valid (the revoke not yet committed), and must not
        keep it for `ttl` seconds."""
        self.forget(key_hash)
        event.listen(session, "after_commit", lambda _: self.forget(key_hash), once=True)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


KEY_CACHE = KeyCache()


@dataclass(frozen=True)
class KeyGrant:
    """What a valid key lets its holder do: reach one workspace, and write there unless read-only."""

    workspace_id: uuid.UUID
    key_id: uuid.UUID
    read_only: bool

    def actor(self, door: str, writes: bool) -> Actor:
        """Who acts through `door` with this key; a request that `writes` with a read-only key
        is Forbidden (each door answers 403 in its own error format)."""
        if writes and self.read_only:
            raise Forbidden("this API key may only read: changes need a key that is not read-only")
        return Actor(self.workspace_id, self.key_id, door)


@dataclass(frozen=True)
class NewKey:
    workspace_id: uuid.UUID
    key_id: uuid.UUID
    api_key: str  # the only time the plain key exists
    read_only: bool = False


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_workspace(session: Session, name: str = "default") -> NewKey:
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    return create_key(session, workspace.id, name="first key")


def create_key(session: Session, workspace_id: uuid.UUID, name: str = "", read_only: bool = False) -> NewKey:
    """A new key; a `read_only` one reads the workspace through every door but changes nothing."""
    if session.get(Workspace, workspace_id) is None:
        raise NotFound("workspace", workspace_id)
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(workspace_id=workspace_id, name=name, prefix=api_key[:12], key_hash=_hash(api_key),
                 read_only=read_only)
    session.add(row)
    session.flush()
    return NewKey(workspace_id, row.id, api_key, read_only)


def authenticate(session: Session, api_key: str | None) -> ApiKey:
    """The key's record, or Unauthenticated for a missing, unknown or revoked key."""
    if not api_key:
        raise Unauthenticated()
    row = repo.key_by_hash(session, _hash(api_key.strip()))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the API key is unknown or revoked")
    return row


def revoke_key(session: Session, ident: str) -> ApiKey:
    """Revoke by key id or by the prefix shown in `keys list`."""
    rows = repo.keys_by_prefix_or_id(session, ident)
    if len(rows) != 1:
        raise NotFound("api key", ident)
    rows[0].revoked_at = rows[0].revoked_at or utcnow()
    KEY_CACHE.forget_when_committed(session, rows[0].key_hash)
    return rows[0]


# ---------------------------------------------------------------- a workspace's own keys (the native API)

class KeyInput(Strict):
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    read_only: bool = False


def whoami(session: Session, actor: Actor) -> tuple[Workspace, ApiKey | None]:
    """The caller's workspace and the key it called with."""
    workspace = session.get(Workspace, actor.workspace_id)
    if workspace is None:
        raise NotFound("workspace", actor.workspace_id)
    key = repo.key(session, actor.workspace_id, actor.api_key_id) if actor.api_key_id else None
    return workspace, key


def workspace_keys(session: Session, actor: Actor) -> list[ApiKey]:
    """The keys of the caller's workspace, revoked ones included (never the keys themselves)."""
    return repo.keys_of(session, actor.workspace_id)


def new_workspace_key(session: Session, actor: Actor, data: KeyInput) -> tuple[ApiKey, str]:
    """A new key of the caller's workspace, and the key itself (shown this once)."""
    made = create_key(session, actor.workspace_id, data.name, data.read_only)
    return repo.key(session, actor.workspace_id, made.key_id), made.api_key


def revoke_workspace_key(session: Session, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Revokes a key of the caller's workspace (the caller's own too). The workspace's last key
    that can write is kept (Conflict): without it nothing could make another."""
    row = repo.key(session, actor.workspace_id, key_id)
    if row is None:
        raise NotFound("api key", key_id)
    if row.revoked_at is None and not row.read_only and not any(
            k.id != row.id and k.revoked_at is None and not k.read_only for k in repo.keys_of(session, actor.workspace_id)):
        raise Conflict("this is the workspace's last key that can write: make another before revoking it",
                       field="key_id")
    row.revoked_at = row.revoked_at or utcnow()
    KEY_CACHE.forget_when_committed(session, row.key_hash)
    return row


def list_keys(session: Session, workspace_id: uuid.UUID | None = None) -> list[ApiKey]:
    if workspace_id is None:
        first = repo.first_workspace(session)
        if first is None:
            return []
        workspace_id = first.id
    return repo.keys_of(session, workspace_id)
