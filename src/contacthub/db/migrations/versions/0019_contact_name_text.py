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

from contacthub.core.normalize import searchable_names

revision = '0019_contact_name_text'
down_revision = '0018_import_job_notes'
branch_labels = None
depends_on = None

NAMES = ("display_name", "first_name", "middle_name", "last_name", "nickname", "organization_name")
contacts = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("merged_into"),
                    sa.column("name_text"), *(sa.column(name) for name in NAMES))


def upgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('name_text', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    after = None
    while True:  # a page at a time by key, so a large store is never held in memory
        query = sa.select(contacts.c.workspace_id, contacts.c.id, *(contacts.c[name] for name in NAMES)).where(
            contacts.c.merged_into.is_(None))  # a merged-away record is found by no filter
        if after is not None:
            query = query.where(sa.tuple_(contacts.c.workspace_id, contacts.c.id) > after)
        page = conn.execute(query.order_by(contacts.c.workspace_id, contacts.c.id).limit(5000)).all()
        if not page:
            return
        named = [{"w": row[0], "i": row[1], "names": names} for row in page if (names := searchable_names(*row[2:]))]
        if named:
            conn.execute(contacts.update()
                         .where(contacts.c.workspace_id == sa.bindparam("w"), contacts.c.id == sa.bindparam("i"))
                         .values(name_text=sa.bindparam("names")), named)
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))


def downgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('name_text')
