"""Engines and sessions.

On SQLite, writing transactions start with BEGIN IMMEDIATE: a deferred transaction that reads
first and writes later can fail at once with "database is locked" when another writer got in
between, while an immediate one simply waits its turn (busy_timeout). Reads keep plain BEGIN
so they never wait for a writer (WAL).
"""

import asyncio
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from contacthub.core.errors import Busy, StoreFull, StoreReadOnly
from contacthub.db.case_fold import fold_case
from contacthub.db.checkpoints import Checkpointer, fold_log

T = TypeVar("T")


class WorkspaceContended(Exception):
    """A hot thread's write found its workspace held by another write (see Database.write_soon)."""
# A write that waits less than the usual for the store (see Database.write): read by the BEGIN
# of SQLite's writing connections, on the thread that begins.
_PATIENCE = threading.local()
# when the write running on this hot thread was queued (see write_soon)
_QUEUED = threading.local()
WAITING_THREADS = 16  # hot-route writes waiting for their workspace (PostgreSQL; see write_soon)
HOT_THREADS = 4  # threads of the hot routes on PostgreSQL: 2-4 served best with the server on the same 2 cores
READ_MMAP_BYTES = 256 * 1024 * 1024


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _folded(value):
    return fold_case(value) if isinstance(value, str) else value


WAL_KEPT_BYTES = 64 * 1024 * 1024


def _sqlite_engine(url: str, begin: str, wait_seconds: float, read_only: bool = False) -> Engine:
    # A pool as large as the thread pool, so busy servers reuse connections instead of reopening them.
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": wait_seconds}, pool_size=40, max_overflow=10,
        hide_parameters=True,  # a failed statement logged names no value it was given (names, emails)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={max(int(wait_seconds * 1000), 1)}")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        # once the log starts over, its file is cut back to this size (an overwrite import of
        # 200,000 contacts left a 1.9 GB log file behind for good)
        cursor.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
        # deleted rows' bytes are overwritten, whatever SQLite was built with (Debian's does so
        # already): an erased person is not left in the file's free pages
        cursor.execute("PRAGMA secure_delete=ON")
        if read_only:
            # Readers map the file: a page read is then a memory access, not a read() call. Not
            # the writers': mapped pages count in a process's resident memory, and an import
            # touches the whole file.
            cursor.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")
        cursor.close()
        # SQLite's own lower() folds ASCII only (ÉMILE stays ÉMILE); filters compare names any case
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        dbapi_connection.create_function("fold_case", 1, _folded, deterministic=True)  # db/case_fold.py

    usual_ms = max(int(wait_seconds * 1000), 1)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # straight to the driver: through exec_driver_sql this cost more than the BEGIN itself
        driver = connection.connection.driver_connection
        # how long this BEGIN waits for another process's writer; the pragma is sent only when
        # it changes (the connection remembers the last one), so a usual write pays nothing
        wanted = getattr(_PATIENCE, "ms", None) or usual_ms
        info = connection.connection.info
        if info.get("busy_ms", usual_ms) != wanted:
            driver.execute(f"PRAGMA busy_timeout={wanted}")
            info["busy_ms"] = wanted
        driver.execute(begin)

    return engine


class Database:
    """The one handle the app, the CLI and the tests share."""

    def __init__(self, url: str, write_wait_seconds: float = 30.0):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # how long a write waits for another writer's lock before it gives up with Busy
        self.write_wait_seconds = write_wait_seconds
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE", write_wait_seconds)
            self.read_engine = _sqlite_engine(url, "BEGIN", write_wait_seconds, read_only=True)
        else:
            # room for the hot threads' kept connections (HOT_THREADS) beside the thread pool's
            self.write_engine = create_engine(
                url, pool_size=10 + HOT_THREADS, max_overflow=20, pool_pre_ping=True, hide_parameters=True,
                # UTC sessions: times come back in UTC whatever the server's zone (or PGTZ) says
                connect_args={"options": f"-c lock_timeout={int(write_wait_seconds * 1000)} -c TimeZone=UTC"},
            )
            self.read_engine = self.write_engine
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._write_lock = threading.Lock() if self.is_sqlite else None
        path = self.write_engine.url.database if self.is_sqlite else None
        self._checkpointer = Checkpointer(path) if path and path != ":memory:" else None
        if self._checkpointer is not None:  # a Database dropped without dispose() stops it too
            weakref.finalize(self, self._checkpointer.stop)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self._held = threading.local()  # see _held_transaction
        self._held_connections: list = []  # every thread's, to close on dispose
        self._hot: ThreadPoolExecutor | None = None  # see _hot_threads
        self._waiting: ThreadPoolExecutor | None = None  # see _waiting_threads
        self._setup_lock = threading.Lock()

    @contextmanager
    def write(self, wait_seconds: float | None = None, *, workspace: uuid.UUID | None = None) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        A write of one `workspace` waits for the workspace's other writes to end first, so what
        it checks before writing (an email another contact holds, a contact merged already, the
        attributes it merges into) is still so when it commits: SQLite, one writer at a time,
        gives that already; on PostgreSQL a lock of the workspace, held to the transaction's
        end, does (writes of different workspaces still run side by side).

        SQLite has one writer at a time. Threads of this process queue on a lock instead of
        polling the file lock with growing sleeps (busy_timeout), which under load wastes most
        of the time in sleeps; other processes still wait through busy_timeout. However it waits
        (this queue, the file lock, a PostgreSQL row lock), a write that cannot have the store
        within write_wait_seconds (or `wait_seconds`, for a write that would rather give up
        soon) raises Busy, with nothing written."""
        queued_at = getattr(_QUEUED, "at", None)
        waited = time.monotonic() - queued_at if queued_at is not None else 0.0
        if wait_seconds is None and waited > self.write_wait_seconds / 10:
            # a write queued for the hot threads has waited since it was queued, not only from here
            # (each of a queue of creates would otherwise wait its full time after the one before);
            # a short queue (the usual) changes nothing, and costs no statement to say so
            wait_seconds = self.write_wait_seconds - waited
            if wait_seconds <= 0:
                raise Busy(self.write_wait_seconds)
        wait = wait_seconds or self.write_wait_seconds
        with self._store_faults_named(wait), self._queued_writer(wait), self._patience(wait_seconds):
            if getattr(self._held, "hot", False):  # a thread of the hot routes (see _hot_threads)
                with self._held_transaction(self.write_engine) as session:
                    yield self._workspace_held(self._waiting_at_most(session, wait_seconds), workspace)
            else:
                with self._writer() as session, session.begin():
                    yield self._workspace_held(self._waiting_at_most(session, wait_seconds), workspace)
        if self._checkpointer is not None:
            self._checkpointer.wrote()

    def _workspace_held(self, session: Session, workspace: uuid.UUID | None) -> Session:
        """On PostgreSQL, the workspace's write lock (see write): a transaction-level advisory
        lock, waited for no longer than the lock timeout (then Busy, as a row lock is). A hot
        thread does not wait for it (WorkspaceContended: write_soon waits elsewhere), since every
        workspace's requests need those few threads."""
        if workspace is not None and not self.is_sqlite:
            key = {"key": int.from_bytes(workspace.bytes[8:], "big", signed=True)}  # (v7: the random half)
            if not getattr(self._held, "hot", False):
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)
            elif not session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), key).scalar():
                raise WorkspaceContended()
        return session

    def _waiting_at_most(self, session: Session, wait_seconds: float | None) -> Session:
        """On PostgreSQL, a row lock this transaction meets is waited for `wait_seconds` at most."""
        if wait_seconds is not None and not self.is_sqlite:
            session.execute(text(f"SET LOCAL lock_timeout = {max(int(wait_seconds * 1000), 1)}"))
        return session

    @contextmanager
    def _patience(self, wait_seconds: float | None) -> Iterator[None]:
        """How long SQLite's BEGIN waits on this thread, while the block runs (see _on_begin)."""
        if wait_seconds is None or not self.is_sqlite:
            yield
            return
        _PATIENCE.ms = max(int(wait_seconds * 1000), 1)
        try:
            yield
        finally:
            _PATIENCE.ms = None

    def fold_log(self) -> None:
        """On SQLite, the write-ahead log copied into the file and emptied now (see
        checkpoints.fold_log): after an erasure, so no copy of the person's rows stays in it."""
        if self._checkpointer is not None:
            fold_log(self._checkpointer.path)

    @contextmanager
    def _queued_writer(self, wait: float) -> Iterator[None]:
        """This process's turn to write on SQLite (see write), waited for no longer than `wait`."""
        if self._write_lock is None:
            yield
            return
        if not self._write_lock.acquire(timeout=wait):
            raise Busy(wait)
        try:
            yield
        finally:
            self._write_lock.release()

    @contextmanager
    def _store_faults_named(self, wait: float) -> Iterator[None]:
        """A statement that waited out the lock timeout (SQLite's busy_timeout, PostgreSQL's
        lock_timeout) is Busy, one that found the disk full is StoreFull, one refused by a
        read-only store StoreReadOnly: either way the transaction was rolled back and nothing
        was written."""
        try:
            yield
        except (OperationalError, sqlite3.OperationalError) as exc:
            # SQLAlchemy wraps the driver's error, except a BEGIN sent straight to it (_on_begin)
            cause = exc.orig if isinstance(exc, OperationalError) else exc
            message = str(cause).lower()
            sqlstate = getattr(cause, "sqlstate", None)
            if "database is locked" in message or "database table is locked" in message \
                    or sqlstate == "55P03":  # lock_not_available
                raise Busy(wait) from exc
            if "database or disk is full" in message or sqlstate == "53100":  # disk_full
                raise StoreFull() from exc
            if "readonly database" in message or sqlstate == "25006":  # read_only_sql_transaction
                raise StoreReadOnly() from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    async def read_soon(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a read transaction, for async routes whose read is a few point
        lookups. On SQLite it runs right here on the event loop: a read of a local file takes
        tens of microseconds, less than handing it to a worker thread and back. On PostgreSQL a
        read is a network round trip, which must not stall the loop: it goes to a few threads of
        our own (see _hot_threads)."""
        if self.is_sqlite:
            return self._read_held(work)
        return await asyncio.get_running_loop().run_in_executor(self._hot_threads(), self._read_held, work)

    async def write_soon(self, work: Callable[[], T]) -> T:
        """Runs `work` (which opens its own `write()`) off the event loop, on a few threads of
        our own (see _hot_threads): one on SQLite, which has one writer anyway."""
        queued_at = time.monotonic()

        def timed() -> T:
            _QUEUED.at = queued_at
            try:
                return work()
            finally:
                _QUEUED.at = None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._hot_threads(), timed)
        except WorkspaceContended:
            # Another write holds the workspace (a long import, a burst of its own writes): this
            # one waits for it on a thread of its own, so that the hot threads keep serving every
            # other workspace's requests (and reads) meanwhile. Nothing was written: it runs anew.
            return await loop.run_in_executor(self._waiting_threads(), timed)

    def _waiting_threads(self) -> ThreadPoolExecutor:
        """Threads for hot-route writes whose workspace another write holds (see write_soon)."""
        with self._setup_lock:
            if self._waiting is None:
                self._waiting = ThreadPoolExecutor(WAITING_THREADS, thread_name_prefix="contacthub-waiting")
            return self._waiting

    def _hot_threads(self) -> ThreadPoolExecutor:
        """The threads of the hot routes, each with its own connection and session (see
        _held_transaction). Few of them: sixteen pool threads serving sixteen clients spent
        their time taking the GIL from each other (and, on SQLite, from the one that held the
        write lock). (Batching SQLite's queued writes into one transaction was tried: no
        faster, since Python, not the COMMIT, is the bottleneck.)"""
        with self._setup_lock:
            if self._hot is None:
                self._hot = ThreadPoolExecutor(1 if self.is_sqlite else HOT_THREADS, thread_name_prefix="contacthub-hot",
                                               initializer=setattr, initargs=(self._held, "hot", True))
            return self._hot

    def _read_held(self, work: Callable[[Session], T]) -> T:
        with self._held_transaction(self.read_engine) as session:
            return work(session)

    @contextmanager
    def _held_transaction(self, engine: Engine) -> Iterator[Session]:
        """A transaction on this thread's own connection and session to `engine`, both kept
        between transactions (the connection then pins no WAL snapshot; the session is emptied):
        making them anew for each transaction cost more than a point read. Used by the event
        loop's reads on SQLite and by the hot threads, each only ever from its own thread."""
        held = self._held.__dict__.setdefault("sessions", {})
        session = held.get(engine)
        if session is None or session.bind.closed or session.bind.invalidated:  # a lost server: reconnect
            self._release_ended_threads()
            connection = engine.connect()
            with self._setup_lock:
                self._held_connections.append((threading.current_thread(), connection))
            session = held[engine] = Session(bind=connection, expire_on_commit=False)
        try:
            with session.begin():
                yield session
        finally:
            session.expunge_all()

    def _release_ended_threads(self) -> None:
        """Connections kept by threads that have ended go back to the pool. An event loop that
        lives as long as the process keeps one; a loop per request (a test client used without
        `with` runs each request on a new thread) would otherwise take one from the pool for
        good with each request, until the pool is empty and every request waits out its timeout."""
        with self._setup_lock:
            ended = [(t, c) for t, c in self._held_connections if not t.is_alive()]
            self._held_connections[:] = [(t, c) for t, c in self._held_connections if t.is_alive()]
        for _, connection in ended:
            connection.close()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        for pool in (self._hot, self._waiting):
            if pool is not None:
                pool.shutdown(wait=True)
        self._hot = self._waiting = None
        for _, connection in self._held_connections:
            connection.close()
        self._held_connections.clear()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
