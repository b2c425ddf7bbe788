"""Domain errors: they say what went wrong, never which HTTP status it is. Each door maps them
to its own status codes and error envelope."""

import uuid
from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    message: str = "error"

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


@dataclass
class FieldError:
    field: str  # dotted path with zero-based indexes, e.g. "emails[1].address"
    message: str


def dotted_path(loc: tuple[Any, ...] | list[Any], skip: tuple[str, ...] = ("body",)) -> str:
    """("body", "emails", 1, "address") -> "emails[1].address"."""
    path = ""
    for part in loc:
        if part in skip and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def reason_of(error: dict[str, Any], default: str = "is invalid") -> str:
    """A pydantic error's message as a door shows it: a validator's own words, without the
    "Value error, " pydantic puts before them."""
    return str(error.get("msg") or default).removeprefix("Value error, ")


class InvalidInput(DomainError):
    """The request is well formed but its content breaks a rule."""

    def __init__(self, errors: list[FieldError] | FieldError, message: str | None = None):
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__(message or "; ".join(f"{e.field}: {e.message}" for e in self.errors))


class NotFound(DomainError):
    def __init__(self, entity: str, id: object | None = None, why: str | None = None):
        self.entity = entity
        self.id = id
        message = f"{entity} not found" if id is None else f"{entity} {id} not found"
        super().__init__(f"{message}: {why}" if why else message)


class Conflict(DomainError):
    """The write would break a uniqueness rule (a taken email, a used idempotency key...)."""

    def __init__(self, message: str, field: str | None = None, existing_id: uuid.UUID | None = None):
        self.field = field
        self.existing_id = existing_id
        super().__init__(message)


class Unauthenticated(DomainError):
    message = "a valid API key is required"


class Forbidden(DomainError):
    message = "this key may not reach that workspace"


class Busy(DomainError):
    """Another writer held the store longer than a write may wait (on SQLite, for example, an
    overwrite import, which holds it to its end). Nothing was written; trying again later works."""

    def __init__(self, waited_seconds: float):
        self.waited_seconds = waited_seconds
        super().__init__(f"the store is busy with another write (waited {waited_seconds:g} s); nothing was "
                         "written, try again shortly")


class StoreFull(DomainError):
    """The store has no room left (its disk is full). Nothing was written; reads go on, and
    writes work again once there is room."""
    message = "the store has no room left to write (its disk is full); nothing was written, try again later"


class StoreReadOnly(DomainError):
    """The store refuses writes (a SQLite file or folder this process may not write, a
    PostgreSQL standby). Nothing was written; reads go on."""
    message = "the store is read-only (its file, or its server, refuses writes); nothing was written"


class RateLimited(DomainError):
    """The key made more requests than its rate allows (see core/rate_limits.py). Nothing was
    done; the same request works again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int, per_second: float):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"too many requests: this key may make {per_second:g} per second; "
                         f"try again in {retry_after_seconds} s")


class Gone(DomainError):
    """What the request asks for was there once and is no more (erased), for good."""
