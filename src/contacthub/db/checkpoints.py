"""Copies SQLite's write-ahead log back into the database file on a thread of its own.

SQLite does this (a checkpoint) in the connection whose commit takes the log past
`wal_autocheckpoint` pages: it copies every page written since the last one and waits for the
disk twice (fsync). Measured on a create-heavy load, that stalled the one writer for ~80 ms every
few hundred creates, half of all the time it spent committing, and set the p99 of a create.

Here a thread copies the log a little at a time while the writer goes on (a PASSIVE checkpoint
never blocks a writer or a reader, and the fsync waits hold no Python lock). The writer's own
checkpoint still runs when the log is full, since only a writer can start the log anew, but
finds nearly every page already copied and the disk already flushed.
"""

import sqlite3
import time
import threading
from contextlib import closing

PAUSE_SECONDS = 0.1  # between passes while writes come: each pass waits for the disk twice


class Checkpointer:
    def __init__(self, path: str):
        self.path = path
        self._wrote = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def wrote(self) -> None:
        """A transaction was committed: there are pages to copy."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._stopped.is_set():
                    self._thread = threading.Thread(target=self._run, name="contacthub-checkpoint", daemon=True)
                    self._thread.start()
        self._wrote.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wrote.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wrote.wait()
                if self._stopped.is_set():
                    return
                self._wrote.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # the writer's own checkpoint still keeps the log bounded
                if self._stopped.wait(PAUSE_SECONDS):
                    return
        finally:
            connection.close()


def fold_log(path: str) -> None:
    """Copies the whole write-ahead log into the database file and empties it (TRUNCATE): the
    .db file alone is then whole, and what the log still held of rows deleted since (an erased
    person's, whose pages SQLite overwrote in the file: secure_delete) is gone from the disk.
    Tried again for up to 5 seconds while a reader (a request reading since before the erasure)
    or another checkpoint holds part of the log: the checkpoint then answers "busy", having
    copied only the log before that reader's snapshot, and the file keeps its older pages
    (holding the rows deleted since). Best effort past that: the log is folded later."""
    deadline = time.monotonic() + 5
    try:
        with closing(sqlite3.connect(path, timeout=1)) as connection:
            while True:
                busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy or time.monotonic() > deadline:
                    return
                time.sleep(0.05)
    except sqlite3.Error:
        pass  # (a read-only store, or a writer holding on: its own checkpoints fold the log)
