"""Column types that behave the same on SQLite and PostgreSQL."""

import os
import threading
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        # PostgreSQL answers in its session's time zone (the server's, or PGTZ): moved to UTC
        if value is not None:
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_ID_LOCK = threading.Lock()
_last_id = [0, 0]  # the millisecond and the counter of the last id this process made


def new_id() -> uuid.UUID:
    """A UUIDv7: app-generated, time-ordered, so ids sort by creation and index pages stay hot.
    Ids made in one millisecond by this process count up in their 12-bit `rand_a` field (RFC
    9562's fixed-length counter), so they too sort in the order they were made (two groups an
    import creates together are listed as created)."""
    millis = time.time_ns() // 1_000_000
    with _ID_LOCK:
        if millis <= _last_id[0]:
            millis, counter = _last_id[0], _last_id[1] + 1
            if counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                millis, counter = millis + 1, 0
        else:
            counter = int.from_bytes(os.urandom(2), "big") & 0x7FF  # a random start, room to count up
        _last_id[0], _last_id[1] = millis, counter
    raw = bytearray(millis.to_bytes(6, "big") + counter.to_bytes(2, "big") + os.urandom(8))
    raw[6] = (raw[6] & 0x0F) | 0x70  # version 7
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return uuid.UUID(bytes=bytes(raw))
