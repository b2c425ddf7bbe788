"""Import jobs: made, run to their end by the process that asked or by a worker that claims
them, and read back (counters, row outcomes, rejected rows).

What a row becomes (columns, parsing, resolution, the batched writer) is core/imports.py; this
module owns the transactions around it: one per batch, or, with `overwrite`, one for the whole
file (the workspace's old contacts are deleted in it, so a failed import loses nothing). A job
holds a lease its worker renews with every batch; a worker that dies leaves it to the next one
once the lease runs out, and every write checks the job is still its worker's.
"""

import itertools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from contacthub.core import events
from contacthub.core.actor import Actor
from contacthub.core.errors import Busy, DomainError, FieldError, InvalidInput, NotFound
from contacthub.core.import_pipeline import ParserStopped, gc_paused, parsed_batches
from contacthub.core.import_sources import (
    HEAD_BYTES,
    RowReader,
    SourceFile,
    _BrokenRow,
    decode_data_url,
    fetch_url,
    local_file,
    open_rows,
    save_bytes,
    save_stream,
    sniff_format,
    source_error,
)
from contacthub.core.import_columns import Column, ignored_headers, plan_columns
from contacthub.core.import_rows import ParsedRow, RowParser
from contacthub.core.imports import LEFT_OUT_NOTES, ROW_STATUSES, Counters, ImportOptions, SourceSpec, _Importer
from contacthub.db.engine import Database
from contacthub.db.models import ImportJob, ImportRow
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import imports as repo
from contacthub.repositories import simple as simple_repo
from contacthub.settings import Settings, get_settings

log = logging.getLogger("contacthub.imports")
T = TypeVar("T")

# ---------------------------------------------------------------- jobs

def create_job(session: Session, actor: Actor, spec: SourceSpec, options: ImportOptions,
               settings: Settings | None = None, status: str = "queued", claimed_by: str | None = None) -> ImportJob:
    """Records a job; an upload or data URL is stored with it (the worker may be elsewhere)."""
    settings = settings or get_settings()
    if spec.url is not None:
        from contacthub.core.import_sources import check_url

        check_url(spec.url, settings.import_allow_private_urls, spec.field)
    job = ImportJob(
        workspace_id=actor.workspace_id, id=new_id(), api_key_id=actor.api_key_id, door=actor.door, status=status,
        source_kind=spec.kind, source=spec.label[:2000], options=options.model_dump(), claimed_by=claimed_by,
        started_at=utcnow() if status == "running" else None,
        lease_until=_lease(settings) if status == "running" else None,
    )
    session.add(job)
    session.flush()
    if status == "queued" and spec.kind in ("data_url", "upload"):
        chunks = _spec_chunks(spec, settings)
        size, head = 0, b""
        for seq, chunk in enumerate(chunks):
            size += len(chunk)
            if size > settings.import_max_bytes:
                raise source_error(f"the file is larger than the limit of {settings.import_max_bytes} bytes", spec.field)
            head += chunk[:max(HEAD_BYTES - len(head), 0)]
            repo.add_blob(session, actor.workspace_id, job.id, seq, chunk)
        if size == 0:
            raise source_error("the file is empty", spec.field)
        # told now, while the caller waits (a type no import reads is a 422 here, not a failed job
        # later), and kept: the stored copy has lost the type the caller declared
        job.format = sniff_format(head, spec.upload_type, spec.upload_name, spec.field)
    return job


def _spec_chunks(spec: SourceSpec, settings: Settings) -> Iterator[bytes]:
    if spec.data_url is not None:
        data, mime = decode_data_url(spec.data_url, settings.import_max_bytes, spec.field)
        spec.upload_type = mime
        for i in range(0, len(data), 1024 * 1024):
            yield data[i:i + 1024 * 1024]
    else:
        yield from spec.upload


def open_source(spec: SourceSpec, settings: Settings | None = None) -> SourceFile:
    """The file of a source, copied locally (raises InvalidInput when it cannot be had)."""
    settings = settings or get_settings()
    if spec.kind == "data_url":
        data, mime = decode_data_url(spec.data_url, settings.import_max_bytes, spec.field)
        if not data:
            raise source_error("the file is empty", spec.field)
        return save_bytes(data, mime, "data-url", spec.field)
    if spec.kind == "url":
        return fetch_url(spec.url, settings.import_max_bytes, settings.import_fetch_timeout_seconds,
                         settings.import_max_redirects, settings.import_allow_private_urls, spec.field)
    if spec.kind == "path":
        return local_file(spec.path)
    return save_stream(spec.upload, settings.import_max_bytes, spec.upload_type, spec.upload_name, spec.field)


def _stored_source(db: Database, job: ImportJob, settings: Settings) -> SourceFile:
    if job.source_kind == "url":
        return open_source(SourceSpec(url=job.source), settings)
    if job.source_kind == "path":
        return local_file(job.source)
    with db.read() as session:
        stored = save_stream(repo.blob_chunks(session, job.workspace_id, job.id), settings.import_max_bytes * 2,
                             "", job.source)
    stored.format = job.format or stored.format  # as told from the type the caller declared (create_job)
    return stored


ProgressCallback = Callable[[int, float, Counters], None]


class JobTakenOver(Exception):
    """Another worker holds the job now (this one stalled past its lease): this one stops, and
    writes nothing more to it."""


def run_job(db: Database, workspace_id: uuid.UUID, job_id: uuid.UUID, source: SourceFile | None = None,
            settings: Settings | None = None, progress: ProgressCallback | None = None) -> ImportJob:
    """Runs a job to its end (succeeded or failed) and answers it as stored. Every write it
    makes checks first that the job is still this worker's (its `claimed_by` when this began)."""
    settings = settings or get_settings()
    with db.read() as session:
        job = repo.get_job(session, workspace_id, job_id)
        if job is None:
            raise NotFound("import", job_id)
    actor = Actor(workspace_id, job.api_key_id, job.door)
    options = ImportOptions(**job.options)
    holder = job.claimed_by

    def succeeded(file_format: str) -> None:
        with _holding(db, workspace_id, job_id, holder) as session:
            repo.set_job(session, workspace_id, job_id, status="succeeded", finished_at=utcnow(), format=file_format)
            repo.delete_blobs(session, workspace_id, job_id)

    def failed(message: str) -> None:
        with _holding(db, workspace_id, job_id, holder) as session:
            if options.overwrite:
                repo.delete_row_outcomes(session, workspace_id, job_id)
                repo.set_job(session, workspace_id, job_id, processed=0, created=0, merged=0, skipped=0,
                             invalid=0, review=0)
            repo.set_job(session, workspace_id, job_id, status="failed", error=message[:2000], finished_at=utcnow())
            repo.delete_blobs(session, workspace_id, job_id)  # a failed job is not run again: its file goes too

    def stopped() -> None:
        with _holding(db, workspace_id, job_id, holder) as session:
            _settle_interrupted(session, workspace_id, job_id, options.overwrite)

    try:
        try:
            if source is None:
                source = _stored_source(db, job, settings)
            _run(db, actor, job, options, source, settings, progress)
            _patiently(settings, lambda: succeeded(source.format))
        except JobTakenOver:
            raise
        except ParserStopped:  # stopped with its process (a signal to the whole group): not the file's fault
            log.warning("import %s: its parser process was stopped; the job is left to be resumed", job_id)
            _patiently(settings, lambda: stopped())
        except Exception as exc:  # the job records why; the caller reads it from the job
            message = exc.message if isinstance(exc, DomainError) else "the import failed unexpectedly; nothing was lost"
            if not isinstance(exc, DomainError):
                log.exception("import %s failed", job_id)
            _patiently(settings, lambda: failed(message))
    except JobTakenOver:
        log.warning("import %s: taken over by another worker while %s had stalled; %s stops",
                    job_id, holder, holder)
    finally:
        if source is not None:
            source.discard()
    return _job(db, workspace_id, job_id)


@contextmanager
def _holding(db: Database, workspace_id: uuid.UUID, job_id: uuid.UUID, holder: str | None,
             workspace_lock: bool = False) -> Iterator[Session]:
    """A write transaction of the job's, if it is still `holder`'s: a worker that stalled past
    its lease finds the job another's (JobTakenOver) and writes nothing. On PostgreSQL the job's
    row stays locked to the end, so no one takes the job over before this commits."""
    with db.write(workspace=workspace_id if workspace_lock else None) as session:
        if not repo.holds_job(session, workspace_id, job_id, holder, lock=not db.is_sqlite):
            raise JobTakenOver()
        yield session


def _job(db: Database, workspace_id: uuid.UUID, job_id: uuid.UUID) -> ImportJob:
    with db.read() as session:
        return repo.get_job(session, workspace_id, job_id)


PREAMBLE_ROWS = 10  # how far below the first row a file's header row is looked for


def _header_cells(cells: list[str]) -> list[str]:
    return [h.strip().replace("\x00", "\ufffd") for h in cells]  # NUL: unstorable


def find_header(source: SourceFile, reader: RowReader, mapping: dict[str, str] | None
                ) -> tuple[RowReader, list[str], list[Column]]:
    """The file's reader, headers and columns. Some exports put notes above the header row
    (LinkedIn's Connections.csv starts with "Notes:"): when the first row names no contact (or
    lacks a mapped column), the first of the next PREAMBLE_ROWS rows that does is the header row,
    and the file is read again from below it (source.header_row tells every later reader)."""
    try:
        headers = _header_cells(reader.headers)
        return reader, headers, plan_columns(headers, mapping)
    except InvalidInput:
        above = _header_row_below(reader, mapping)
        if above is None:
            raise  # the first row's fault, which quotes it
    source.header_row = above
    reader = open_rows(source)
    headers = _header_cells(reader.headers)
    return reader, headers, plan_columns(headers, mapping)


def _header_row_below(reader: RowReader, mapping: dict[str, str] | None) -> int | None:
    """How many rows above the first of the next PREAMBLE_ROWS rows that can be the header row
    (see find_header); the reader's rows are spent."""
    try:
        for above, cells in enumerate(itertools.islice(reader.rows, PREAMBLE_ROWS), start=1):
            if isinstance(cells, _BrokenRow) and not cells:
                continue  # unreadable (a row read whole is a candidate, however much wider than the first)
            try:
                plan_columns(_header_cells(cells), mapping)
                return above
            except InvalidInput:
                continue
        return None
    finally:
        reader.rows.close()


# The overwrite imports this process runs, and how far each has come: an overwrite writes its
# counts in its one transaction, so a reader of its job would see none until it ends.
_OVERWRITES_UNDER_WAY: dict[uuid.UUID, Counters] = {}


def overwrite_under_way(job_id: uuid.UUID) -> Counters | None:
    """How far an overwrite import this process is running has come (None: it runs none such)."""
    return _OVERWRITES_UNDER_WAY.get(job_id)


def _run(db: Database, actor: Actor, job: ImportJob, options: ImportOptions, source: SourceFile,
         settings: Settings, progress: ProgressCallback | None) -> None:
    try:
        _run_batches(db, actor, job, options, source, settings, progress)
    finally:
        _OVERWRITES_UNDER_WAY.pop(job.id, None)  # (an overwrite's: see _run_batches)


def _run_batches(db: Database, actor: Actor, job: ImportJob, options: ImportOptions, source: SourceFile,
                 settings: Settings, progress: ProgressCallback | None) -> None:
    if source.format == "jsonl":
        if options.mapping:
            raise InvalidInput(FieldError("mapping", "a JSONL file's lines are contacts in the native API's shape; "
                                                     "a mapping applies to the columns of CSV and spreadsheet files"))
        reader = open_rows(source)
        headers, columns = reader.headers, [Column(0, reader.headers[0], "document")]
    else:
        reader, headers, columns = find_header(source, open_rows(source), options.mapping)
    with db.read() as session:
        definitions = simple_repo.definitions(session, actor.workspace_id)
    parser = RowParser(columns, settings.default_region, definitions, options.require_name, options.kind)
    parser.job_id = job.id
    importer = _Importer(actor, job.id, options, headers, parser, settings)
    if options.overwrite:
        _OVERWRITES_UNDER_WAY[job.id] = importer.totals  # counted as its batches go (see run_batch)
    batch_size = max(settings.import_batch_size, 1)

    # A job taken over from a worker that died: the batches it committed stay; their rows are
    # skipped. (An overwrite commits nothing before its end, so it always starts afresh.)
    resuming = job.processed > 0 and not options.overwrite

    def job_write():
        # each batch (an overwrite: the whole file) is a write of the workspace, as an API write is
        return _holding(db, actor.workspace_id, job.id, job.claimed_by, workspace_lock=True)

    def estimated() -> None:
        with job_write() as session:
            repo.set_job(session, actor.workspace_id, job.id, total_rows=reader.estimated_rows, format=source.format,
                         notes=reader.notes or None, ignored_columns=ignored_headers(headers, columns) or None)

    _patiently(settings, estimated)
    with ExitStack() as whole:
        big = _patiently(settings, lambda: whole.enter_context(job_write())) if options.overwrite else None

        @contextmanager
        def transaction():
            if big is not None:
                yield big
            else:
                with job_write() as session:
                    yield session

        def each_own(attempt: Callable[[], None]) -> None:
            # a batch in a transaction of its own waits out a busy store; an overwrite's one
            # transaction holds the store already (and a failed statement ends it: never again)
            if big is not None:
                attempt()
            else:
                _patiently(settings, attempt)

        if big is not None:
            # renewed inside the transaction: on PostgreSQL the job's row stays locked to its end,
            # so no other worker takes the job over however long it runs
            repo.set_job(big, actor.workspace_id, job.id, lease_until=_lease(settings))
            _delete_workspace_contacts(big, actor, job.id)
        threshold = settings.import_parallel_min_rows
        parallel = 0 < threshold <= (reader.estimated_rows or 0)
        with gc_paused():
            for batch, position in parsed_batches(source, reader, parser, batch_size, parallel):
                each_own(lambda: _flush(importer, transaction, batch, resuming))
                if progress:
                    progress(importer.totals.processed, position, importer.totals)

        def counted() -> None:
            with transaction() as session:
                done_before = job.processed if resuming else 0
                repo.set_job(session, actor.workspace_id, job.id, total_rows=done_before + importer.totals.processed)

        each_own(counted)


def _patiently(settings: Settings, attempt: Callable[[], T]) -> T:
    """`attempt` (a whole transaction of the job's) again while the store is busy with another
    write (another process's overwrite import holding it), for as long as the job's lease (two
    write waits at least): past it another worker may take the job over, and the ownership
    check then stops this one. Each try waited WRITE_WAIT_SECONDS for the store already."""
    patience = max(settings.import_lease_seconds, 2 * settings.write_wait_seconds)
    started = time.monotonic()
    while True:
        try:
            return attempt()
        except Busy:
            if time.monotonic() - started > patience:
                raise


def _flush(importer: _Importer, transaction, batch: list[ParsedRow], resuming: bool) -> None:
    """One batch in a transaction of its own (the whole file's, for an overwrite)."""
    with transaction() as session:
        if resuming:
            written = repo.written_rows(session, importer.ws, importer.job_id, [row.index for row in batch])
            batch = [row for row in batch if row.index not in written]
        repo.prepare_bulk(session, importer.sqlite_cache_mb)
        importer.run_batch(session, batch)  # even empty (all written before): it renews the lease


def _delete_workspace_contacts(session: Session, actor: Actor, job_id: uuid.UUID) -> None:
    """overwrite: every contact goes (each deletion recorded), inside the import's transaction."""
    after = None
    while True:
        ids = repo.contact_ids_page(session, actor.workspace_id, after, 1000)
        if not ids:
            break
        events.record_many(session, actor, "contact", ids, "deleted",
                           {"reason": "import overwrite", "import_id": str(job_id)})
        after = ids[-1]
    repo.delete_all_contacts(session, actor.workspace_id)


# ---------------------------------------------------------------- one-call imports and workers

def import_now(db: Database, actor: Actor, spec: SourceSpec, options: ImportOptions,
               settings: Settings | None = None, progress: ProgressCallback | None = None) -> ImportJob:
    """Fetches the source (InvalidInput if it cannot be had, nothing recorded), then runs the
    import in this thread and answers the finished job."""
    settings = settings or get_settings()
    source = open_source(spec, settings)
    try:
        with db.write() as session:
            job = create_job(session, actor, spec, options, settings, status="running",
                             claimed_by=worker_label(actor.door))
    except BaseException:
        source.discard()
        raise
    return run_job(db, actor.workspace_id, job.id, source, settings, progress)


def claim_next(db: Database, worker: str, settings: Settings | None = None) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The oldest job that is queued, or whose worker died (its lease ran out), marked running
    for this worker (FOR UPDATE SKIP LOCKED on PostgreSQL, so many workers never take the same
    job; a job mid-way through an overwrite holds its row, so it is skipped, not taken)."""
    settings = settings or get_settings()
    now = utcnow()
    with db.read() as session:  # an idle queue costs no write lock
        if repo.next_claimable(session, now, lock=False) is None:
            return None
    with db.write() as session:
        job = repo.next_claimable(session, now, lock=not db.is_sqlite)
        if job is None or not repo.take_job(session, job, worker, now, _lease(settings)):
            return None
        if job.status == "running":
            log.warning("import %s: its worker %s stopped renewing its lease; %s takes it over",
                        job.id, job.claimed_by, worker)
        return job.workspace_id, job.id


def worker_label(role: str) -> str:
    """Who runs a job, as its `claimed_by` and the logs name it: a role ("worker", "serve", the
    door or CLI running an import in its own process) on a host's process."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"[:200]  # the column's width


def work_once(db: Database, worker: str = "worker", settings: Settings | None = None) -> ImportJob | None:
    claimed = claim_next(db, worker, settings)
    if claimed is None:
        return None
    return run_job(db, claimed[0], claimed[1], settings=settings)


def _lease(settings: Settings):
    return utcnow() + timedelta(seconds=settings.import_lease_seconds)


def work_forever(db: Database, stop, worker: str = "worker", poll_seconds: float = 1.0,
                 settings: Settings | None = None) -> None:
    """Runs jobs until `stop` (a threading.Event) is set; an error never ends the loop."""
    while not stop.is_set():
        try:
            job = work_once(db, worker, settings)
        except Exception:
            log.exception("import worker error")
            job = None
        if job is None or job.status not in ("succeeded", "failed"):
            # nothing queued, or a job left to be resumed (its parser was stopped: this process
            # may be stopping too, so it is not started again at once)
            stop.wait(poll_seconds)


# ---------------------------------------------------------------- reading jobs

def get_job(session: Session, actor: Actor, job_id: uuid.UUID) -> ImportJob:
    job = repo.get_job(session, actor.workspace_id, job_id)
    if job is None:
        raise NotFound("import", job_id)
    return job


def jobs_page(session: Session, actor: Actor, before: uuid.UUID | None, limit: int) -> list[ImportJob]:
    return repo.jobs_page(session, actor.workspace_id, before, limit)


def row_outcomes(session: Session, actor: Actor, job_id: uuid.UUID, statuses: list[str] | None,
                 after: int, limit: int) -> list[ImportRow]:
    get_job(session, actor, job_id)
    bad = [s for s in statuses or [] if s not in ROW_STATUSES]
    if bad:
        raise InvalidInput(FieldError("status", f"unknown status {bad[0]!r}; use {', '.join(ROW_STATUSES)}"))
    return repo.row_outcomes(session, actor.workspace_id, job_id, statuses, after, limit)


def rows_left_out(session: Session, actor: Actor, job_id: uuid.UUID, limit: int) -> tuple[list[ImportRow], int]:
    """The first `limit` rows (by index) whose contact was written without something the row
    named (a group, an organization, a list or an account this workspace lacks), and how many
    such rows there are: what an importer would otherwise never see in the counts."""
    get_job(session, actor, job_id)
    return repo.rows_noting(session, actor.workspace_id, job_id, LEFT_OUT_NOTES, limit)


def cells_as_read(row: ImportRow) -> list[tuple[str, str]]:
    """(header, cell) of a refused row as its file had them (an object: as stored before the order was kept)."""
    raw = row.raw or []
    return list(raw.items()) if isinstance(raw, dict) else [(header, cell) for header, cell in raw]


def rejected_rows(db: Database, actor: Actor, job_id: uuid.UUID, page: int = 1000) -> Iterator[ImportRow]:
    """Every invalid row of a job, read page by page (for a download of any size)."""
    after = -1
    while True:
        with db.read() as session:
            rows = row_outcomes(session, actor, job_id, ["invalid"], after, page)
            session.expunge_all()
        if not rows:
            return
        yield from rows
        after = rows[-1].row_index


def created_ids(session: Session, actor: Actor, job_id: uuid.UUID) -> list[uuid.UUID]:
    get_job(session, actor, job_id)
    return repo.created_contact_ids(session, actor.workspace_id, job_id)


def interrupted(db: Database, workspace_id: uuid.UUID, job_id: uuid.UUID) -> ImportJob:
    """A job whose own process was stopped mid-way (Ctrl-C on `contacthub import`). An overwrite
    rolled back whole, so it ends `failed` (run again, it would replace every contact: the user
    stopped that). Any other job keeps the batches it committed and is handed to the next worker
    at once (its lease ends now): `contacthub worker`, or a running `serve`, resumes it after the
    rows already written."""
    with db.read() as session:
        job = repo.get_job(session, workspace_id, job_id)
        if job is None:
            raise NotFound("import", job_id)
        overwrite = bool((job.options or {}).get("overwrite"))
        settled = job.status in ("succeeded", "failed")
    if not settled:
        with db.write() as session:
            _settle_interrupted(session, workspace_id, job_id, overwrite)
    with db.read() as session:
        return repo.get_job(session, workspace_id, job_id)


def hand_over(db: Database, worker: str) -> int:
    """A worker stopping (Ctrl-C, SIGTERM from a service manager) settles the jobs it was
    running as `interrupted` does: handed to the next worker at once, rather than when their
    leases run out (an overwrite, rolled back, ends failed). Answers how many."""
    with db.read() as session:
        running = repo.running_jobs_of(session, worker)
    for workspace_id, job_id in running:
        interrupted(db, workspace_id, job_id)
    return len(running)


# Who holds a job handed over and not yet taken: no worker, so the one that stopped (`serve`'s
# thread may write a batch more before its process ends) finds it another's and stops writing,
# rather than renew the lease it gave up.
HANDED_OVER = "(handed over)"


def _settle_interrupted(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, overwrite: bool) -> None:
    """An overwrite stopped mid-way changed nothing and ends failed; any other job is handed to
    the next worker at once (its lease ends now), which resumes it after its committed rows."""
    if overwrite:
        repo.delete_row_outcomes(session, workspace_id, job_id)
        repo.set_job(session, workspace_id, job_id, processed=0, created=0, merged=0, skipped=0,
                     invalid=0, review=0, status="failed", finished_at=utcnow(),
                     error="interrupted before its end; nothing was changed")
    else:
        repo.set_job(session, workspace_id, job_id, lease_until=utcnow(), claimed_by=HANDED_OVER)
