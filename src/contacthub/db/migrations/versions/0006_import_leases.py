"""import job leases: a job whose worker died is taken again when its lease runs out

Revision ID: 0006_import_leases
Revises: 0005_imports
Create Date: 2026-11-24 06:35:00
"""
from alembic import op
import sqlalchemy as sa
import contacthub.db.types

revision = '0006_import_leases'
down_revision = '0005_imports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('lease_until', contacthub.db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_column('lease_until')
