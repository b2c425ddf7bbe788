"""attribute_values lookup carries contact_id: a filter by attribute reads the index alone (SQLite
chose to read the workspace's every attribute value through the primary key instead)

Revision ID: 0015_attribute_lookup_covering
Revises: 0014_account_member_positions
Create Date: 2026-11-25 10:10:00
"""
from alembic import op

revision = '0015_attribute_lookup_covering'
down_revision = '0014_account_member_positions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_attribute_values_lookup', table_name='attribute_values')
    op.create_index('ix_attribute_values_lookup', 'attribute_values', ['workspace_id', 'key', 'value', 'contact_id'])


def downgrade() -> None:
    op.drop_index('ix_attribute_values_lookup', table_name='attribute_values')
    op.create_index('ix_attribute_values_lookup', 'attribute_values', ['workspace_id', 'key', 'value'])
