"""Queries for webhooks; the rules are in core/webhooks.py and core/webhook_delivery.py."""

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from contacthub.db.models import Event, Webhook


def get(session: Session, workspace_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook | None:
    return session.get(Webhook, (workspace_id, webhook_id))


def page(session: Session, workspace_id: uuid.UUID, after: uuid.UUID | None, limit: int) -> list[Webhook]:
    query = select(Webhook).where(Webhook.workspace_id == workspace_id)
    if after:
        query = query.where(Webhook.id > after)
    return list(session.scalars(query.order_by(Webhook.id).limit(limit)))


def _free_now(now: datetime):
    """Active, not waiting out a failure, and not leased to a sender."""
    return and_(Webhook.active.is_(True),
                or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now),
                or_(Webhook.leased_until.is_(None), Webhook.leased_until <= now))


def due(session: Session, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(workspace, webhook) of every active webhook, in any workspace, that is not waiting out a
    failure or being sent by a deliverer, and whose workspace has events it has not taken (or
    not yet numbered)."""
    in_workspace = Event.workspace_id == Webhook.workspace_id
    # two lookups, each a range of one index (ix_events_unnumbered, ix_events_seq); one OR inside
    # a single lookup scanned the workspace's events
    waiting = or_(select(Event.id).where(in_workspace, Event.seq.is_(None)).exists(),
                  select(Event.id).where(in_workspace, Event.seq > Webhook.delivered_seq).exists())
    return [(ws, i) for ws, i in session.execute(
        select(Webhook.workspace_id, Webhook.id).where(_free_now(now), waiting).order_by(Webhook.next_attempt_at.is_not(None), Webhook.id))]


def take(session: Session, workspace_id: uuid.UUID, webhook_id: uuid.UUID, now: datetime, until: datetime) -> bool:
    """Leases the webhook to the caller until `until` if it is still due and nobody holds it."""
    taken = session.execute(
        update(Webhook).where(
            Webhook.workspace_id == workspace_id, Webhook.id == webhook_id, _free_now(now),
        ).values(leased_until=until).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def set_columns(session: Session, workspace_id: uuid.UUID, webhook_id: uuid.UUID, **values) -> None:
    session.execute(update(Webhook).where(Webhook.workspace_id == workspace_id, Webhook.id == webhook_id)
                    .values(**values).execution_options(synchronize_session=False))
