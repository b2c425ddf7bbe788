"""Inserts through the driver itself (one statement per table, in the caller's transaction): the
import pipeline's writes and a single create's. No rules here.

SQLAlchemy's generic executemany converts every parameter of every row through the column's
bind processor in Python; for hundreds of thousands of rows that costs more than SQLite's own
work. Here the statement and one converter per column are prepared once per table and the
values go to the DBAPI cursor column by column. A UUID column also takes its value as 32 hex
digits (what SQLite stores; PostgreSQL reads it as a uuid):

- SQLite: `executemany` of a prepared INSERT (`ON CONFLICT DO NOTHING` when asked); UUIDs as
  their hex text, JSON documents as text, timestamps as SQLAlchemy writes them (the same stored
  form as every other write path).
- PostgreSQL (psycopg): `COPY ... FROM STDIN`; when conflicts must be skipped, COPY into a
  temporary table, then one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`.
- A few rows (a single create's, `insert_dicts`): one plain INSERT on either engine.
- Anything else: SQLAlchemy's own executemany.
"""

import json
from collections.abc import Sequence

from sqlalchemy import JSON, Date, DateTime, Table, Uuid
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

_PLANS: dict[tuple, tuple[str, list]] = {}


class JsonText(str):
    """A JSON document already serialized (e.g. by the import's parser process): written to a
    JSON column as it is."""

    __slots__ = ()



def _uuid_text(value) -> str:
    """A UUID as SQLite stores it (32 hex digits); hex text is taken as it is."""
    return value if value.__class__ is str else value.hex


def _sqlite_converter(column_type, dialect):
    """How one column's Python value becomes the value SQLite stores (None stays None)."""
    impl = column_type.dialect_impl(dialect)
    if isinstance(column_type, Uuid) or isinstance(impl, Uuid):
        return _uuid_text
    if isinstance(column_type, JSON) or isinstance(impl, JSON):
        dumps = dialect._json_serializer or json.dumps
        empty = {dict: dumps({}), list: dumps([])}

        def document(value):
            if type(value) is JsonText:
                return str(value)
            if not value and type(value) in empty:
                return empty[type(value)]
            return dumps(value)
        return document
    process = impl.bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, (DateTime, Date, TypeDecorator)):
        memo: dict = {}  # a batch's rows share a few timestamps

        def cached(value):
            out = memo.get(value)
            if out is None:
                if len(memo) > 64:
                    memo.clear()
                out = memo[value] = process(value)
            return out
        return cached
    return process


def _target(dialect, table: Table, names: Sequence[str]) -> str:
    quote = dialect.identifier_preparer.quote
    return f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"


def _sqlite_plan(dialect, table: Table, names: Sequence[str], ignore_conflicts: bool) -> tuple[str, list]:
    """The INSERT and one converter per column, made once per table and column list."""
    key = (table.name, tuple(names), ignore_conflicts)
    plan = _PLANS.get(key)
    if plan is None:
        sql = f"INSERT INTO {_target(dialect, table, names)} VALUES ({', '.join('?' for _ in names)})"
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        plan = _PLANS[key] = (sql, [_sqlite_converter(table.c[n].type, dialect) for n in names])
    return plan


def insert_columns(session: Session, table: Table, names: Sequence[str], columns: Sequence[Sequence],
                   ignore_conflicts: bool = False) -> None:
    """Inserts len(columns[0]) rows given column by column (columns[i] holds the values of
    names[i]). With ignore_conflicts, a row whose unique key is taken is left out."""
    if not columns or not len(columns[0]):
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":
        sql, converters = _sqlite_plan(dialect, table, names, ignore_conflicts)
        values = []
        for column, convert in zip(columns, converters):
            if convert is not None:
                column = [None if v is None else convert(v) for v in column]
            values.append(column)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(sql, zip(*values))
        finally:
            cursor.close()
        return
    target = _target(dialect, table, names)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _psycopg(connection, table, names, columns, target, ignore_conflicts)
        return
    rows = [dict(zip(names, record)) for record in zip(*columns)]
    statement = table.insert()
    if ignore_conflicts:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table).on_conflict_do_nothing()
    session.execute(statement, rows)


def _psycopg(connection, table: Table, names, columns, target: str, ignore_conflicts: bool) -> None:
    """PostgreSQL through psycopg, in the caller's transaction. UUIDs, timestamps and booleans
    go as they are, JSON documents as their text."""
    values = []
    for name, column in zip(names, columns):
        if isinstance(table.c[name].type, JSON):
            column = [v if v is None or type(v) is JsonText else json.dumps(v, separators=(",", ":"), default=str)
                      for v in column]
        values.append(column)
    quote = connection.dialect.identifier_preparer.quote
    with connection.connection.dbapi_connection.cursor() as cursor:
        if not ignore_conflicts:
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for record in zip(*values):
                    copy.write_row(record)
            return
        # COPY cannot skip conflicts: the rows go to a temporary table of this session first,
        # then into the table with one INSERT ... SELECT ... ON CONFLICT DO NOTHING.
        stage = quote(f"bulk_stage_{table.name}")
        listed = ", ".join(quote(n) for n in names)
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} "
                       f"(LIKE {quote(table.name)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY {stage} ({listed}) FROM STDIN") as copy:
            for record in zip(*values):
                copy.write_row(record)
        cursor.execute(f"INSERT INTO {target} SELECT {listed} FROM {stage} ON CONFLICT DO NOTHING")
        cursor.execute(f"DELETE FROM {stage}")


def insert_tuples(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple],
                  ignore_conflicts: bool = False) -> None:
    """insert_columns for rows given as tuples in the order of `names`."""
    if rows:
        insert_columns(session, table, names, list(zip(*rows)), ignore_conflicts)


FEW_ROWS = 50  # up to this many rows (a single create's) go in one plain INSERT


def insert_dicts(session: Session, table: Table, rows: Sequence[dict], ignore_conflicts: bool = False) -> None:
    """insert_columns for rows given as dicts (they must all carry the same keys).

    A single create writes a row or a few per table; for those the bulk machinery (column
    lists; on PostgreSQL a COPY, or a staging table to skip conflicts) costs more than the rows,
    so they go in one plain INSERT."""
    if not rows:
        return
    names = tuple(rows[0])
    if len(rows) <= FEW_ROWS:
        connection = session.connection()
        dialect = connection.dialect
        if dialect.name == "sqlite" and len(rows) == 1:
            sql, converters = _sqlite_plan(dialect, table, names, ignore_conflicts)
            row = rows[0]
            values = [v if v is None or c is None else c(v) for v, c in zip((row[n] for n in names), converters)]
            connection.connection.dbapi_connection.execute(sql, values)
            return
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            _psycopg_few(connection, table, names, rows, ignore_conflicts)
            return
    insert_columns(session, table, names, [[row[n] for row in rows] for n in names], ignore_conflicts)


def _psycopg_few(connection, table: Table, names: Sequence[str], rows: Sequence[dict], ignore_conflicts: bool) -> None:
    documents = {n for n in names if isinstance(table.c[n].type, JSON)}
    values = []
    for row in rows:
        for name in names:
            value = row[name]
            if name in documents and value is not None:
                value = str(value) if type(value) is JsonText else json.dumps(value, separators=(",", ":"), default=str)
            values.append(value)
    marks = f"({', '.join('%s' for _ in names)})"
    sql = f"INSERT INTO {_target(connection.dialect, table, names)} VALUES {', '.join([marks] * len(rows))}"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(sql, values)
