"""webhooks: addresses the change feed is sent to

Revision ID: 0011_webhooks
Revises: 0010_change_feed
Create Date: 2026-11-24 23:45:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from contacthub.db.types import UTCDateTime

revision = '0011_webhooks'
down_revision = '0010_change_feed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webhooks',
        sa.Column('workspace_id', sa.Uuid(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('description', sa.String(length=2000), nullable=True),
        sa.Column('secret', sa.String(length=128), nullable=False),
        sa.Column('events', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('delivered_seq', sa.BigInteger(), nullable=False),
        sa.Column('sending_through', sa.BigInteger(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('failing_since', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('last_attempt_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('leased_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_webhooks')),
    )


def downgrade() -> None:
    op.drop_table('webhooks')
