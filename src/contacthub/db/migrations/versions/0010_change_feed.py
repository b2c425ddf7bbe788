"""the change feed: events numbered in the order they became visible

Revision ID: 0010_change_feed
Revises: 0009_read_only_keys
Create Date: 2026-11-24 23:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_change_feed'
down_revision = '0009_read_only_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.create_index('ix_events_unnumbered', ['workspace_id', 'id'], unique=False,
                           sqlite_where=sa.text('seq IS NULL'), postgresql_where=sa.text('seq IS NULL'))
        batch.create_index('ix_events_seq', ['workspace_id', 'seq'], unique=True,
                           sqlite_where=sa.text('seq IS NOT NULL'), postgresql_where=sa.text('seq IS NOT NULL'))
    op.create_table(
        'event_sequences',
        sa.Column('workspace_id', sa.Uuid(), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_event_sequences')),
    )


def downgrade() -> None:
    op.drop_table('event_sequences')
    with op.batch_alter_table('events') as batch:
        batch.drop_index('ix_events_seq')
        batch.drop_index('ix_events_unnumbered')
        batch.drop_column('seq')
