"""read-only API keys: a key that may read the workspace but not change it

Revision ID: 0009_read_only_keys
Revises: 0008_social_linkedin_key
Create Date: 2026-11-24 22:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_read_only_keys'
down_revision = '0008_social_linkedin_key'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('read_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('read_only')
