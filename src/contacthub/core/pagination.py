"""Opaque cursors: the id of the last item seen. Ids are UUIDv7, so id order is creation order."""

import base64
import binascii
import uuid

from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.views import Page


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "cursor") -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error):
        raise InvalidInput(FieldError(field, "not a cursor this API handed out")) from None


def clamp_limit(limit: int | None, default: int, maximum: int, field: str = "limit") -> int:
    if limit is None:
        return default
    if limit < 1 or limit > maximum:
        raise InvalidInput(FieldError(field, f"must be between 1 and {maximum}"))
    return limit


def page_of(rows: list, limit: int) -> Page:
    """The page of `rows`, read with `limit + 1` to tell whether more follow; its cursor is the
    last row's id."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
