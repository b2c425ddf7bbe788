"""contacts.name_text: the names the `name` filter searches, folded and joined once at write

The filter folded nine name expressions of every row at each search (on SQLite each fold a call
into Python): a name missing from 300,000 contacts took over a second. Each contact now keeps its
names folded as `q`'s text is (core.normalize.searchable_names), and the filter is one LIKE on
them; this fills them for the contacts stored before, a page at a time.

Revision ID: 0019_contact_name_text
Revises: 0018_import_job_notes
Create Date: 2026-11-25 16:50:00
"""
from alembic import op
import sqlalchemy as sa

from contacthub.db.search_text import refill_names

revision = '0019_contact_name_text'
down_revision = '0018_import_job_notes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('name_text', sa.Text(), nullable=False, server_default=''))
    refill_names(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('name_text')
