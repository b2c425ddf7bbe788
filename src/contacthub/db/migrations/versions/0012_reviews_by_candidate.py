"""duplicate_reviews by candidate: a deleted contact's open pairs are found by either side

Revision ID: 0012_reviews_by_candidate
Revises: 0011_webhooks
Create Date: 2026-11-25 04:20:00
"""
from alembic import op

revision = '0012_reviews_by_candidate'
down_revision = '0011_webhooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_duplicate_reviews_candidate', 'duplicate_reviews', ['workspace_id', 'candidate_id'])


def downgrade() -> None:
    op.drop_index('ix_duplicate_reviews_candidate', table_name='duplicate_reviews')
