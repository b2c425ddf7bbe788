"""Queries over single contact points (emails, phones, identifiers). No rules here."""

import uuid

from sqlalchemy import func, select
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
