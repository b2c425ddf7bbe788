"""a LinkedIn profile written through the ChartMogul door is filed under the native social key

The ChartMogul door stored its `linked_in` field as social["linked_in"], while the native API
(and so every other reader) names it social["linkedin"]: the same profile showed under two
names. The door now writes "linkedin"; this renames the key in contacts stored before.

Revision ID: 0008_social_linkedin_key
Revises: 0007_fit_long_identity_keys
Create Date: 2026-11-24 11:20:00
"""
import sqlalchemy as sa
from alembic import op

import contacthub.db.types

revision = '0008_social_linkedin_key'
down_revision = '0007_fit_long_identity_keys'
branch_labels = None
depends_on = None

contacts = sa.table("contacts", sa.column("workspace_id"), sa.column("id"),
                    sa.column("social", contacthub.db.types.JsonDocument))


def upgrade() -> None:
    conn = op.get_bind()
    stored = conn.execute(sa.select(contacts.c.workspace_id, contacts.c.id, contacts.c.social)
                          .where(sa.cast(contacts.c.social, sa.Text).like('%"linked\\_in"%', escape="\\"))).all()
    for workspace_id, contact_id, social in stored:
        if not isinstance(social, dict) or "linked_in" not in social:
            continue
        renamed = {k: v for k, v in social.items() if k != "linked_in"}
        renamed.setdefault("linkedin", social["linked_in"])  # a native value written since wins
        conn.execute(contacts.update()
                     .where(contacts.c.workspace_id == workspace_id, contacts.c.id == contact_id)
                     .values(social=renamed))


def downgrade() -> None:
    pass  # the old door read only "linked_in"; nothing to undo that a reader would miss
