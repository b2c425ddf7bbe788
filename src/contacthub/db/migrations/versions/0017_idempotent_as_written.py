"""idempotency_keys.body: PostgreSQL's json (the text as written), not jsonb

A request replayed with its Idempotency-Key is answered the stored body: jsonb reorders an
object's keys (shorter first), so on PostgreSQL the replay was the same value in other bytes,
which a client comparing or signing the answers tells apart. SQLite stores the text already.

Revision ID: 0017_idempotent_as_written
Revises: 0016_search_text_base_letters
Create Date: 2026-11-25 14:40:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0017_idempotent_as_written'
down_revision = '0016_search_text_base_letters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('idempotency_keys', 'body', type_=sa.JSON(), existing_type=postgresql.JSONB(),
                        postgresql_using='body::json')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('idempotency_keys', 'body', type_=postgresql.JSONB(), existing_type=sa.JSON(),
                        postgresql_using='body::jsonb')
