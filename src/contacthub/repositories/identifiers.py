"""Queries over single contact points (emails, phones, identifiers). No rules here."""

import hashlib
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from contacthub.db.models import ContactPoint


def points_of(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> list[ContactPoint]:
    """Every point of the contact, in creation order."""
    return list(session.scalars(
        select(ContactPoint)
        .where(ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id == contact_id)
        .order_by(ContactPoint.id)
    ))


def page_points(
    session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, after: uuid.UUID | None, limit: int,
    descending: bool = False,
) -> list[ContactPoint]:
    query = select(ContactPoint).where(
        ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id == contact_id
    )
    if after is not None:
        query = query.where(ContactPoint.id < after if descending else ContactPoint.id > after)
    query = query.order_by(ContactPoint.id.desc() if descending else ContactPoint.id).limit(limit)
    return list(session.scalars(query))


def next_position(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, kind: str) -> int:
    current = session.scalar(
        select(func.max(ContactPoint.position)).where(
            ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id == contact_id,
            ContactPoint.kind == kind,
        )
    )
    return 0 if current is None else current + 1


def lock_points(session: Session, workspace_id: uuid.UUID, points: list[tuple[str, str, str]]) -> None:
    """Serialize writers of the same (kind, key, normalized) points until the transaction ends.

    Checking that a point is free and then storing it is otherwise a race between two
    transactions on PostgreSQL (READ COMMITTED). SQLite needs nothing: its writing transactions
    already run one at a time (BEGIN IMMEDIATE). Locks are taken in a fixed order, so two
    writers of overlapping sets cannot deadlock."""
    if session.get_bind().dialect.name != "postgresql" or not points:
        return
    keys = sorted({
        int.from_bytes(hashlib.sha256("|".join((str(workspace_id), *p)).encode()).digest()[:8], "big", signed=True)
        for p in points
    })
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
