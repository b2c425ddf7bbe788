"""Queries for imports: jobs, their stored files, row outcomes, and the bulk writes of the
import pipeline (many rows per statement). No rules here."""

import uuid
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from contacthub.db.models import (
    Address,
    AttributeValue,
    Contact,
    ContactPoint,
    Event,
    ImportBlob,
    ImportJob,
    ImportRow,
    Relation,
)
from contacthub.repositories import bulk


def insert_columns(session: Session, model, names: Sequence[str], columns: Sequence[Sequence]) -> None:
    """One bulk insert of rows given column by column (columns[i] holds the values of names[i])."""
    bulk.insert_columns(session, model.__table__, names, columns)


def insert_created(session: Session, tables: dict[str, tuple[Sequence[str], Sequence[tuple]]]) -> None:
    """New contacts and what hangs off them, each table's rows as tuples of its named columns
    ({"contacts": (names, rows), "points": ..., "addresses": ..., "attribute_values": ..., "events": ...})."""
    for name, model in (("contacts", Contact), ("points", ContactPoint), ("addresses", Address),
                        ("attribute_values", AttributeValue), ("events", Event)):
        names, rows = tables.get(name, ((), ()))
        bulk.insert_tuples(session, model.__table__, names, rows)


def insert_outcomes(session: Session, names: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Row outcomes (import_rows), each a sequence of the named columns' values."""
    bulk.insert_tuples(session, ImportRow.__table__, names, rows)


def prepare_bulk(session: Session, sqlite_cache_mb: int) -> None:
    """On SQLite, a bigger page cache for the connection doing an import (its indexes outgrow
    the default 2 MB quickly); nothing elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and sqlite_cache_mb > 0:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{int(sqlite_cache_mb) * 1024}")


def refresh_statistics(session: Session) -> None:
    """On PostgreSQL, fresh planner statistics for the contacts table. A foreign-key check plans
    its lookup once per connection: planned while the table looked empty, it scans the table for
    every row written after (hundreds of microseconds per row once it has grown); ANALYZE makes
    it plan again, with the primary key."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE contacts")


def groups_by_name(session: Session, workspace_id: uuid.UUID, names: Iterable[str]) -> dict[str, uuid.UUID]:
    """lower-cased name -> id of the oldest live group with that display name."""
    names = list({n.lower() for n in names})
    if not names:
        return {}
    rows = session.execute(
        select(func.lower(Contact.display_name), Contact.id)
        .where(Contact.workspace_id == workspace_id, Contact.kind == "group", Contact.merged_into.is_(None),
               func.lower(Contact.display_name).in_(names))
        .order_by(Contact.id.desc())
    )
    return {name: contact_id for name, contact_id in rows}


def contact_ids_page(session: Session, workspace_id: uuid.UUID, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    query = select(Contact.id).where(Contact.workspace_id == workspace_id)
    if after is not None:
        query = query.where(Contact.id > after)
    return list(session.scalars(query.order_by(Contact.id).limit(limit)))


def delete_all_contacts(session: Session, workspace_id: uuid.UUID) -> int:
    """Every contact of the workspace, with what hangs off them (cascades)."""
    for model in (Relation, AttributeValue, Address, ContactPoint):
        session.execute(delete(model).where(model.workspace_id == workspace_id))
    from contacthub.db.models import AccountMember, DuplicateReview, ListMember

    for model in (ListMember, AccountMember, DuplicateReview):  # review pairs name contacts too
        session.execute(delete(model).where(model.workspace_id == workspace_id))
    result = session.execute(delete(Contact).where(Contact.workspace_id == workspace_id))
    return result.rowcount or 0


# ---------------------------------------------------------------- jobs

def get_job(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID) -> ImportJob | None:
    return session.get(ImportJob, (workspace_id, job_id))


def jobs_page(session: Session, workspace_id: uuid.UUID, before: uuid.UUID | None, limit: int) -> list[ImportJob]:
    query = select(ImportJob).where(ImportJob.workspace_id == workspace_id)
    if before is not None:
        query = query.where(ImportJob.id < before)
    return list(session.scalars(query.order_by(ImportJob.id.desc()).limit(limit)))


def next_claimable(session: Session, now, lock: bool) -> ImportJob | None:
    """The oldest job that is queued, or running on a lease that ran out."""
    query = (
        select(ImportJob)
        .where(or_(ImportJob.status == "queued", (ImportJob.status == "running") & (ImportJob.lease_until < now)))
        .order_by(ImportJob.created_at)
        .limit(1)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def running_jobs_of(session: Session, worker: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(workspace id, job id) of the jobs running for `worker`."""
    return [tuple(row) for row in session.execute(
        select(ImportJob.workspace_id, ImportJob.id).where(ImportJob.status == "running",
                                                           ImportJob.claimed_by == worker))]


def take_job(session: Session, job: ImportJob, worker: str, now, lease_until) -> bool:
    """Marks a claimable job as running for `worker` until `lease_until`; False when another
    worker took it first."""
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.workspace_id == job.workspace_id, ImportJob.id == job.id,
               or_(ImportJob.status == "queued", (ImportJob.status == "running") & (ImportJob.lease_until < now)))
        .values(status="running", claimed_by=worker, started_at=func.coalesce(ImportJob.started_at, now),
                lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def written_rows(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, indexes: Sequence[int]) -> set[int]:
    """Which of these row indexes already have an outcome (a resumed job skips them)."""
    if not indexes:
        return set()
    return set(session.scalars(select(ImportRow.row_index).where(
        ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id, ImportRow.row_index.in_(list(indexes)))))


def add_counts(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, counts: dict[str, int],
               lease_until=None) -> None:
    """Adds a batch's counts to the job's (and renews its lease, when given), in one UPDATE."""
    values = {name: getattr(ImportJob, name) + n for name, n in counts.items()}
    if lease_until is not None:
        values["lease_until"] = lease_until
    session.execute(
        update(ImportJob).where(ImportJob.workspace_id == workspace_id, ImportJob.id == job_id).values(**values)
        .execution_options(synchronize_session=False)
    )


def set_job(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, **values) -> None:
    session.execute(
        update(ImportJob).where(ImportJob.workspace_id == workspace_id, ImportJob.id == job_id).values(**values)
        .execution_options(synchronize_session=False)
    )


def holds_job(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, holder: str | None,
              lock: bool = False) -> bool:
    """Whether the job is still `holder`'s (its claimed_by; None for a job no worker claimed).
    `lock` (PostgreSQL): the job's row stays locked to the end of the transaction, so no other
    worker takes the job over before what this one writes meanwhile is committed."""
    query = select(ImportJob.claimed_by).where(ImportJob.workspace_id == workspace_id, ImportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    found = session.execute(query).first()
    return found is not None and found[0] == holder


def add_blob(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, seq: int, data: bytes) -> None:
    session.add(ImportBlob(workspace_id=workspace_id, job_id=job_id, seq=seq, data=data))
    session.flush()


def blob_chunks(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID) -> Iterator[bytes]:
    seqs = list(session.scalars(
        select(ImportBlob.seq).where(ImportBlob.workspace_id == workspace_id, ImportBlob.job_id == job_id)
        .order_by(ImportBlob.seq)
    ))
    for seq in seqs:
        yield session.get(ImportBlob, (workspace_id, job_id, seq)).data
        session.expunge_all()


def delete_blobs(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID) -> None:
    session.execute(delete(ImportBlob).where(ImportBlob.workspace_id == workspace_id, ImportBlob.job_id == job_id))


def delete_row_outcomes(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID) -> None:
    session.execute(delete(ImportRow).where(ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id))


def row_outcomes(
    session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, statuses: Sequence[str] | None,
    after: int, limit: int,
) -> list[ImportRow]:
    query = select(ImportRow).where(
        ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id, ImportRow.row_index > after
    )
    if statuses:
        query = query.where(or_(*(ImportRow.status == s for s in statuses)))
    return list(session.scalars(query.order_by(ImportRow.row_index).limit(limit)))


def rows_noting(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID, phrases: Sequence[str],
                limit: int) -> tuple[list[ImportRow], int]:
    """The first `limit` rows whose note holds one of `phrases`, and how many rows do."""
    where = (ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id,
             or_(*(ImportRow.note.contains(p, autoescape=True) for p in phrases)))
    rows = list(session.scalars(select(ImportRow).where(*where).order_by(ImportRow.row_index).limit(limit)))
    total = len(rows) if len(rows) < limit else session.scalar(select(func.count()).select_from(ImportRow).where(*where))
    return rows, total


def created_contact_ids(session: Session, workspace_id: uuid.UUID, job_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(
        select(ImportRow.contact_id).where(
            ImportRow.workspace_id == workspace_id, ImportRow.job_id == job_id,
            or_(ImportRow.status == "created", ImportRow.status == "review"),
        ).order_by(ImportRow.row_index)
    ))
