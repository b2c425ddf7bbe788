"""Hand-written SQL on the session's DBAPI connection, for the few queries every write or read
runs. Through SQLAlchemy each statement costs ~100 µs of Python (compiling expanding IN lists,
events, result processing) where SQLite needs ~10 µs; these run in the caller's transaction
all the same. Everything else goes through SQLAlchemy as usual.

SQL is written with `?` placeholders; on PostgreSQL they become `%s`. UUID parameters are
bound as SQLite stores them (hex text); `as_uuid` turns either engine's answer back into a UUID.
"""

import uuid
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy.orm import Session


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@lru_cache(maxsize=256)
def _for_postgresql(sql: str) -> str:
    return sql.replace("?", "%s")


def marks(count: int) -> str:
    """"?, ?, ?" for an IN list of `count` values."""
    return ", ".join("?" * count)


def select(session: Session, sql: str, params: Sequence) -> list[tuple]:
    """The rows of `sql`, after flushing what the unit of work holds (as SQLAlchemy would)."""
    session.flush()
    if is_sqlite(session):
        params = [p.hex if isinstance(p, uuid.UUID) else p for p in params]
    else:
        sql = _for_postgresql(sql)
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def like_escaped(text: str) -> str:
    """`text` for a LIKE pattern written with ESCAPE '\\': its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


IN_CHUNK = 500  # values per IN list: well under either engine's limit on bound parameters


def select_in(session: Session, sql: str, leading: Sequence, values: Sequence) -> list[tuple]:
    """The rows of `sql`, whose `{values}` is an IN list, for all `values` (one statement per
    IN_CHUNK of them); `leading` are the parameters before the list."""
    rows: list[tuple] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start:start + IN_CHUNK])
        rows += select(session, sql.format(values=marks(len(chunk))), [*leading, *chunk])
    return rows


def as_uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)
