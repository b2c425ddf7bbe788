"""the history names a webhook's URL by its origin alone, in the events recorded before too

A webhook's URL may hold its receiver's token in its path or query, and the history (the change
feed) goes to every receiver of the workspace; new events name the URL by its origin
(core.webhooks.origin_of); this rewrites the webhook events recorded before.

Revision ID: 0021_webhook_urls_by_origin
Revises: 0020_folded_alike
Create Date: 2026-11-25 17:20:00
"""
from alembic import op
import sqlalchemy as sa

from contacthub.core.webhooks import origin_of
from contacthub.db.types import JsonDocument

revision = '0021_webhook_urls_by_origin'
down_revision = '0020_folded_alike'
branch_labels = None
depends_on = None

events = sa.table("events", sa.column("workspace_id"), sa.column("id"), sa.column("subject_type"),
                  sa.column("changes", JsonDocument), sa.column("before", JsonDocument))


def _by_origin(document):
    """The document with its `url` (a URL, or a change's [before, after]) named by origin."""
    if not isinstance(document, dict) or not isinstance(document.get("url"), (str, list)):
        return document
    url = document["url"]
    shown = origin_of(url) if isinstance(url, str) else [origin_of(u) if isinstance(u, str) else u for u in url]
    return {**document, "url": shown}


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(events.c.workspace_id, events.c.id, events.c.changes, events.c.before)
                        .where(events.c.subject_type == "webhook")).all()  # a few a webhook
    for workspace_id, event_id, changes, before in rows:
        if (_by_origin(changes), _by_origin(before)) != (changes, before):
            conn.execute(events.update().where(events.c.workspace_id == workspace_id, events.c.id == event_id)
                         .values(changes=_by_origin(changes), before=_by_origin(before)))


def downgrade() -> None:
    pass  # the rest of each URL is not kept: GET /v1/webhooks/{id} shows a live webhook's whole
