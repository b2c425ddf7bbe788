"""On SQLite, what is written reaches the database file itself soon after, copied from the
write-ahead log by a thread of its own rather than by the writer (db/checkpoints.py)."""

import shutil
import sqlite3
import threading
import time

from sqlalchemy import text

from contacthub.core import workspaces
from contacthub.db.engine import Database
from contacthub.db.migrate import upgrade


def _checkpoint_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "contacthub-checkpoint" and t.is_alive())


def _names_in_file_alone(path, folder) -> set[str]:
    """The workspace names the database file holds read without its log (as a copy of the file
    alone would be)."""
    copy = folder / "alone.db"
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        return {name for (name,) in connection.execute("SELECT name FROM workspaces")}
    except sqlite3.DatabaseError:  # copied while a page was being written: read again
        return set()
    finally:
        connection.close()


def test_writes_reach_the_database_file_while_the_writer_goes_on(tmp_path):
    path = tmp_path / "store.db"
    upgrade(f"sqlite:///{path}")
    threads_before = _checkpoint_threads()
    db = Database(f"sqlite:///{path}")
    try:
        with db.write() as session:
            workspaces.create_workspace(session, "written-to-the-log")
        # far below the pages after which the writer copies the log itself
        assert (tmp_path / "store.db-wal").stat().st_size > 0
        deadline = time.monotonic() + 10
        while "written-to-the-log" not in _names_in_file_alone(path, tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "written-to-the-log" in _names_in_file_alone(path, tmp_path)
        # and the store reads and writes on as before
        with db.write() as session:
            workspaces.create_workspace(session, "second")
        with db.read() as session:
            names = set(session.execute(text("SELECT name FROM workspaces")).scalars())
        assert names == {"written-to-the-log", "second"}
    finally:
        db.dispose()
    assert _checkpoint_threads() <= threads_before  # dispose() ended its thread


def test_a_log_grown_by_one_big_write_is_cut_back_once_copied(tmp_path, monkeypatch):
    """An overwrite import writes everything in one transaction, and the log grows to hold it
    (1.9 GB for 200,000 contacts); it stayed that size for good. Once copied into the file and
    started over, it is cut back to WAL_KEPT_BYTES."""
    from contacthub.db import engine

    monkeypatch.setattr(engine, "WAL_KEPT_BYTES", 256 * 1024)
    path = tmp_path / "store.db"
    upgrade(f"sqlite:///{path}")
    db = Database(f"sqlite:///{path}")
    wal = tmp_path / "store.db-wal"
    try:
        with db.write() as session:
            session.execute(text("CREATE TABLE big (x BLOB)"))
            for _ in range(16):
                session.execute(text("INSERT INTO big VALUES (randomblob(256 * 1024))"))
        grown = wal.stat().st_size
        assert grown > 4 * 1024 * 1024
        deadline = time.monotonic() + 10
        while wal.stat().st_size > 256 * 1024 and time.monotonic() < deadline:
            with db.write() as session:  # a later write starts the copied log over
                session.execute(text("INSERT INTO big VALUES (x'00')"))
            time.sleep(0.1)
        assert wal.stat().st_size <= 256 * 1024, (grown, wal.stat().st_size)
    finally:
        db.dispose()
