"""account_members by position: the place a contact takes in a big account is found with one
index lookup (the last position, the member holding one), not by reading every member

Revision ID: 0014_account_member_positions
Revises: 0013_search_text_folded
Create Date: 2026-11-25 10:00:00
"""
from alembic import op

revision = '0014_account_member_positions'
down_revision = '0013_search_text_folded'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_account_members_position', 'account_members', ['workspace_id', 'account_id', 'position'])


def downgrade() -> None:
    op.drop_index('ix_account_members_position', table_name='account_members')
