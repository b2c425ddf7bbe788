"""import job notes: what an import tells of how its file was read (bytes that were not UTF-8),
and the columns of the file it did not import

Revision ID: 0018_import_job_notes
Revises: 0017_idempotent_as_written
Create Date: 2026-11-25 14:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0018_import_job_notes'
down_revision = '0017_idempotent_as_written'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('notes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                                   nullable=True))
        batch.add_column(sa.Column('ignored_columns',
                                   sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_column('ignored_columns')
        batch.drop_column('notes')
