"""contacts.search_text folded: accents and case, so `q=emile` finds "Émile"

Search text was lower-cased only. It is now folded by core.normalize.searchable, and the
searched text too; this folds the text of contacts stored before (folding lower-cased text
gives what folding the original gives, so the contacts need not be read again).

Revision ID: 0013_search_text_folded
Revises: 0012_reviews_by_candidate
Create Date: 2026-11-25 06:50:00
"""
import sqlalchemy as sa
from alembic import op

from contacthub.core.normalize import searchable

revision = '0013_search_text_folded'
down_revision = '0012_reviews_by_candidate'
branch_labels = None
depends_on = None

contacts = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("search_text"))


def upgrade() -> None:
    conn = op.get_bind()
    after = None
    while True:  # a page at a time by key, so a large store is never held in memory
        query = sa.select(contacts.c.workspace_id, contacts.c.id, contacts.c.search_text)
        if after is not None:
            query = query.where(sa.tuple_(contacts.c.workspace_id, contacts.c.id) > after)
        page = conn.execute(query.order_by(contacts.c.workspace_id, contacts.c.id).limit(5000)).all()
        if not page:
            return
        for workspace_id, contact_id, text in page:
            folded = searchable(text or "")
            if folded != (text or ""):
                conn.execute(contacts.update()
                             .where(contacts.c.workspace_id == workspace_id, contacts.c.id == contact_id)
                             .values(search_text=folded))
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))


def downgrade() -> None:
    pass  # folded text is still lower-cased text: the old search finds what it found, less the accented
